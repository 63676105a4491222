// store/lzf.h — LZF, the compression Redis uses for strings in RDB files and DUMP payloads
// (`rdbcompression`, store/rdb/rdb_string.h) and for the inner nodes of long lists
// (`list-compress-depth`, store/types/list/list.h), written from its format:
//
//   stream  := item*
//   item    := 000LLLLL byte{L+1}                 a run of L+1 literal bytes (1..32)
//            | LLLOOOOO [EEEEEEEE] oooooooo        a back reference: copy (L + 2, or E + 9
//                                                  when L is 7) bytes from (OOOOO << 8 |
//                                                  oooooooo) + 1 bytes back (1..8192)
//
// So a reference copies 3 to 264 bytes from up to 8 KB back. Compressed bytes need not
// match another compressor's: any valid stream decodes to the same string.
//
// Thread-safe: the compressor keeps a hash table per thread (not reentrant from a signal
// handler); the decompressor has no state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cairn::store {

// Compresses in into out, at most capacity bytes; returns the compressed size, or 0 when it
// would not fit (the caller then stores the bytes as they are).
size_t LzfCompress(std::string_view in, char* out, size_t capacity);

// Decompresses in into *out, which must come to exactly out_len bytes; false when in is not
// a valid stream of that length. Never sizes *out beyond what in can expand to.
bool LzfDecompress(std::string_view in, size_t out_len, std::string* out);

}  // namespace cairn::store
