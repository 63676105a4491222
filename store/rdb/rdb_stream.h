// store/rdb/rdb_stream.h — the stream part of the RDB object codec (STREAM_LISTPACKS and
// STREAM_LISTPACKS_2 in rdb_format.h), split from rdb_encoder.cc / rdb_decoder.cc because a
// stream's node, entry and consumer-group layout is a format of its own. Internal to
// store/rdb: other modules use rdb_object.h.
#pragma once

#include <string>
#include <string_view>

#include "store/object.h"

namespace cairn::store {
class Stream;
}  // namespace cairn::store

namespace cairn::rdb {

// Appends the STREAM_LISTPACKS_2 type byte and body (live entries only: deleted entries are
// not kept by cairn, and a reader cannot tell them apart from never-written IDs).
void EncodeStream(const store::Stream& stream, std::string* out);

// Reads a stream body (v2: STREAM_LISTPACKS_2, else the 6.x layout) at *in, advancing it.
[[nodiscard]] bool DecodeStream(bool v2, std::string_view* in, store::ObjRef* out);

}  // namespace cairn::rdb
