import Foundation

/// Recently authenticated keys of one responder, by the SHA-256 of their secret: a request with a
/// key seen in the last `lifetime` skips the lookup. What the lookup returns — revocation, the
/// organization's limit and session lifetime — is therefore seen by every responder within
/// `lifetime`. Unknown keys are never cached, so a flood of made-up keys cannot fill it.
final class CredentialCache {
    let lifetime: Duration
    let capacity: Int
    private var entries: [[UInt8]: (credentials: APIKeyStore.Credentials, expires: ContinuousClock.Instant)] = [:]

    init(lifetime: Duration, capacity: Int = 1_024) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The cached credentials for `hash`, or what `lookup` finds (then cached).
    func credentials(hash: [UInt8], lookup: () throws -> APIKeyStore.Credentials?) rethrows -> APIKeyStore.Credentials? {
        let now = ContinuousClock.now
        if let entry = entries[hash] {
            if entry.expires > now { return entry.credentials }
            entries[hash] = nil
        }
        guard let found = try lookup() else { return nil }
        guard lifetime > .zero else { return found }
        if entries.count >= capacity {
            // Expired entries go first; a cache full of live keys starts over rather than track age.
            entries = entries.filter { $0.value.expires > now }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[hash] = (found, now + lifetime)
        return found
    }
}
