//! Deterministic id derivation shared by the renderers.
//!
//! Every vendor id is a pure function of a [`Space`] (what kind of id it is) and some numbers from the
//! plan (`plan.seq`, `agent.index`, …), so rendering the same plan twice yields byte-identical bodies.

use uuid::{Builder, Uuid};

/// Kind of id being derived; keeps ids of different kinds from colliding or looking alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Space {
    LiveChatChat,
    LiveChatThread,
    LiveChatCustomer,
    LiveChatWebhook,
    LiveChatForm,
    FreshchatConversation,
    FreshchatMessage,
    FreshchatAgent,
    FreshchatGroup,
    FreshchatUser,
    FreshchatChannel,
    FreshchatSystem,
    FreshchatInteraction,
    UserlikeClient,
}

impl Space {
    fn salt(self) -> u64 {
        // Fixed per kind, never reordered: changing one changes every id of that kind.
        match self {
            Space::LiveChatChat => 0x4c43_4348_4154_0001,
            Space::LiveChatThread => 0x4c43_5448_5244_0002,
            Space::LiveChatCustomer => 0x4c43_4355_5354_0003,
            Space::LiveChatWebhook => 0x4c43_5745_4248_0004,
            Space::LiveChatForm => 0x4c43_464f_524d_0005,
            Space::FreshchatConversation => 0x4643_434f_4e56_0011,
            Space::FreshchatMessage => 0x4643_4d53_4753_0012,
            Space::FreshchatAgent => 0x4643_4147_4e54_0013,
            Space::FreshchatGroup => 0x4643_4752_5550_0014,
            Space::FreshchatUser => 0x4643_5553_4552_0015,
            Space::FreshchatChannel => 0x4643_4348_414e_0016,
            Space::FreshchatSystem => 0x4643_5359_5354_0017,
            Space::FreshchatInteraction => 0x4643_494e_5452_0018,
            Space::UserlikeClient => 0x554c_434c_4e54_0021,
        }
    }
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The SplitMix64 finaliser: a bijection on `u64` with good avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A well-mixed 64-bit hash of `words` within `space`.
pub(crate) fn hash(space: Space, words: &[u64]) -> u64 {
    words.iter().fold(mix(space.salt() ^ GOLDEN), |h, &w| mix(h.rotate_left(23) ^ w.wrapping_add(GOLDEN)))
}

/// FNV-1a of a string, to feed configuration strings (app ids, keys) into [`hash`].
pub(crate) fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A random-looking but deterministic version-4-shaped UUID.
pub(crate) fn uuid(space: Space, words: &[u64]) -> Uuid {
    let h = hash(space, words);
    let bytes = ((u128::from(mix(h ^ 1)) << 64) | u128::from(mix(h ^ 2))).to_be_bytes();
    Builder::from_random_bytes(bytes).into_uuid()
}

/// 32 lowercase hex digits (LiveChat-style opaque ids).
pub(crate) fn hex32(space: Space, words: &[u64]) -> String {
    uuid(space, words).simple().to_string()
}

/// A decimal string of exactly `len` digits (`len` ≤ 19) with a non-zero first digit.
pub(crate) fn digits(space: Space, words: &[u64], len: u32) -> String {
    let low = 10u64.pow(len - 1);
    (low + hash(space, words) % (9 * low)).to_string()
}

const ALNUM: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM10_RANGE: u64 = 36u64.pow(10);
/// Coprime with 36 and close to the range times the golden ratio, so consecutive inputs spread out.
const ALNUM10_MUL: u64 = 2_259_630_184_213_715;
const _: () = assert!(gcd(ALNUM10_MUL, 36) == 1, "the affine map must be a bijection");

const fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Ten uppercase alphanumerics (LiveChat chat and thread ids).
///
/// For `n` below 36^10 this is a bijection (an affine map modulo 36^10), so distinct `n` never collide
/// within one space; different spaces use different offsets and so never coincide for the same `n`.
pub(crate) fn alnum10(space: Space, n: u64) -> String {
    let offset = u128::from(mix(space.salt()) % ALNUM10_RANGE);
    let range = u128::from(ALNUM10_RANGE);
    let mut x = (u128::from(n % ALNUM10_RANGE) * u128::from(ALNUM10_MUL) + offset) % range;
    let mut out = [b'0'; 10];
    for slot in out.iter_mut().rev() {
        *slot = ALNUM[(x % 36) as usize];
        x /= 36;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// A 1-based database id from a 0-based plan index (Chatwoot and Userlike use such ints).
pub(crate) fn db_id(index: u64) -> u64 {
    index + 1
}

/// Id of the `n`th (1-based) child record of a parent, unique while a parent has < 100 000 children.
pub(crate) fn child_id(parent: u64, n: u64) -> u64 {
    parent * 100_000 + n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn alnum10_is_injective_and_well_formed() {
        let ids: HashSet<String> = (0..20_000).map(|n| alnum10(Space::LiveChatChat, n)).collect();
        assert_eq!(ids.len(), 20_000);
        assert!(ids
            .iter()
            .all(|id| id.len() == 10 && id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())));
        assert_ne!(alnum10(Space::LiveChatChat, 5), alnum10(Space::LiveChatThread, 5));
    }

    #[test]
    fn uuids_are_v4_shaped_and_stable() {
        let a = uuid(Space::FreshchatAgent, &[3]);
        assert_eq!(a, uuid(Space::FreshchatAgent, &[3]));
        assert_ne!(a, uuid(Space::FreshchatGroup, &[3]));
        assert_eq!(a.get_version_num(), 4);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
    }

    #[test]
    fn digits_have_requested_length() {
        for n in 0..100 {
            let d = digits(Space::FreshchatInteraction, &[n], 15);
            assert_eq!(d.len(), 15);
            assert!(!d.starts_with('0'));
        }
    }
}
