import Foundation
import Synchronization

/// Recently authenticated keys of one responder, by the SHA-256 of their secret: a request with a
/// key seen in the last `lifetime` skips the lookup. What the lookup returns — revocation, scopes,
/// the organization's limit and session lifetime — is therefore seen by every responder within
/// `lifetime`; a key's own expiry is checked on every request. Unknown keys are never cached, so a
/// flood of made-up keys cannot fill it.
final class CredentialCache: Sendable {
    struct Entry {
        var principal: Principal
        var keyExpires: Date?
        var cachedUntil: ContinuousClock.Instant
    }

    let lifetime: Duration
    let capacity: Int
    private let entries = Mutex<[[UInt8]: Entry]>([:])

    init(lifetime: Duration, capacity: Int = 1_024) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached principal for `hash`, or what `lookup` finds (then cached).
    func principal(hash: [UInt8], lookup: () throws -> APIKeyStore.Lookup?) rethrows -> Principal? {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[hash] }), entry.cachedUntil > now {
            if let expires = entry.keyExpires, expires <= Date() { return nil }
            return entry.principal
        }
        guard let found = try lookup() else {
            entries.withLock { $0[hash] = nil }
            return nil
        }
        guard lifetime > .zero else { return found.principal }
        entries.withLock { entries in
            if entries.count >= capacity {
                // Expired entries go first; a cache full of live keys starts over rather than track age.
                entries = entries.filter { $0.value.cachedUntil > now }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[hash] = Entry(principal: found.principal, keyExpires: found.expiresAt, cachedUntil: now + lifetime)
        }
        return found.principal
    }
}
