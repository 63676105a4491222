// src/commands/debug_digest.h — DEBUG DIGEST and DIGEST-VALUE: Redis's order-independent
// SHA-1 signature of a dataset or of values, computed over cairn's values so that the same
// data gives the same 40 hex digits on cairn and on redis-server 7.0 (a replica can be
// compared with its primary across the two servers).
//
// The algorithm (Redis's, written down here): "mix" a byte string into a 20-byte digest d by
// d = SHA1(d xor SHA1(bytes)); "xor" it by d = d xor SHA1(bytes). A value starts from zero:
// mix the type code (u32, big-endian: string 0, list 1, set 2, sorted set 3, hash 4, stream
// 6), then
//   string       mix the bytes;
//   list         mix each element, head to tail;
//   set          xor each member;
//   sorted set   per member e = mix(mix(0, member), score as %.17g), then xor e;
//   hash         per field e = mix(mix(0, field), value), then xor e;
//   stream       per entry mix "<ms>.<seq>", then mix each field and value in turn;
// then xor "!!expire!!" when the key has a TTL. A key's digest is that value's digest
// continued from mix(0, key); the dataset's is, for each non-empty database in order, mix
// its index (u32, big-endian) and then xor every key's digest. An empty dataset is 40 zeros.
// Consumer groups, TTL values and encodings are not part of it.
//
// Thread-safety: ValueDigest reads one value (the caller holds its shard). DatasetDigest
// reads every shard; the caller holds them all (Store::Atomically) for one point in time.
#pragma once

#include "src/base/sha1.h"
#include "store/entry.h"
#include "store/store.h"

namespace cairn::server {

// DIGEST-VALUE of one key: its value's digest, not continued from the key.
Sha1Digest ValueDigest(const store::Value& value, bool has_expire);

// DIGEST: every database's keys.
Sha1Digest DatasetDigest(store::Store& store);

}  // namespace cairn::server
