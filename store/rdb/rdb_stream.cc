// store/rdb/rdb_stream.cc — streams in RDB form (rdb_stream.h, rdb_format.h).
//
// Redis keeps a stream as a radix tree of listpack nodes, each opening with a "master entry"
// (the field names of its first entry) that later entries refer to with a flag instead of
// repeating their field names. cairn writes nodes the way Redis's XADD builds them (at most
// 100 entries or about 4 KB each) and reads any node layout Redis can write.
#include "store/rdb/rdb_stream.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <vector>

#include "store/rdb/detail/little_endian.h"
#include "store/rdb/packed.h"
#include "store/rdb/rdb_format.h"
#include "store/rdb/rdb_string.h"
#include "store/types/stream/stream.h"

namespace cairn::rdb {
namespace {

using store::Stream;
using store::StreamGroup;
using store::StreamId;

constexpr size_t kNodeMaxEntries = 100;  // stream-node-max-entries
constexpr size_t kNodeMaxBytes = 4096;   // stream-node-max-bytes

void PutRawId(std::string* out, StreamId id) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(id.ms >> (8 * i)));
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(id.seq >> (8 * i)));
}

void PutId(std::string* out, StreamId id) {
  PutRdbLength(out, id.ms);
  PutRdbLength(out, id.seq);
}

void PutMs(std::string* out, int64_t ms) { detail::PutLe(out, static_cast<uint64_t>(ms), 8); }

// Builds the listpack nodes of a stream, entry by entry.
class NodeBuilder {
 public:
  void Add(StreamId id, std::span<const std::string_view> fv) {
    size_t bytes = 0;
    for (std::string_view s : fv) bytes += s.size();
    if (!entries_.empty() &&
        (entries_.size() >= kNodeMaxEntries || bytes_ + bytes >= kNodeMaxBytes)) {
      Flush();
    }
    entries_.push_back({id, std::vector<std::string>(fv.begin(), fv.end())});
    bytes_ += bytes;
  }

  // Appends the nodes: count:len (rawid listpack)*.
  void Finish(std::string* out) {
    if (!entries_.empty()) Flush();
    PutRdbLength(out, nodes_.size());
    for (const auto& [master, lp] : nodes_) {
      std::string key;
      PutRawId(&key, master);
      PutRdbString(out, key);
      PutRdbString(out, lp);
    }
  }

 private:
  struct Pending {
    StreamId id;
    std::vector<std::string> fv;
  };

  // One node: the master entry (the first entry's field names), then each entry relative to
  // it, ending with its element count so the node can be walked backwards.
  void Flush() {
    const StreamId master = entries_.front().id;
    const std::vector<std::string>& mfv = entries_.front().fv;
    size_t mfields = mfv.size() / 2;
    ListpackWriter lp;
    lp.AppendInt(static_cast<int64_t>(entries_.size()));
    lp.AppendInt(0);
    lp.AppendInt(static_cast<int64_t>(mfields));
    for (size_t i = 0; i < mfields; ++i) lp.Append(mfv[2 * i]);
    lp.AppendInt(0);
    for (const Pending& e : entries_) {
      size_t nfields = e.fv.size() / 2;
      bool same = nfields == mfields;
      for (size_t i = 0; same && i < nfields; ++i) same = e.fv[2 * i] == mfv[2 * i];
      lp.AppendInt(same ? kStreamEntrySameFields : 0);
      lp.AppendInt(static_cast<int64_t>(e.id.ms - master.ms));
      lp.AppendInt(static_cast<int64_t>(e.id.seq - master.seq));
      if (!same) lp.AppendInt(static_cast<int64_t>(nfields));
      for (size_t i = 0; i < nfields; ++i) {
        if (!same) lp.Append(e.fv[2 * i]);
        lp.Append(e.fv[2 * i + 1]);
      }
      lp.AppendInt(static_cast<int64_t>(same ? nfields + 3 : 2 * nfields + 4));
    }
    nodes_.emplace_back(master, lp.Finish());
    entries_.clear();
    bytes_ = 0;
  }

  std::vector<Pending> entries_;
  size_t bytes_ = 0;
  std::vector<std::pair<StreamId, std::string>> nodes_;
};

void EncodeGroup(const StreamGroup& g, std::string* out) {
  PutRdbString(out, g.name);
  PutId(out, g.last_delivered);
  PutRdbLength(out, static_cast<uint64_t>(g.entries_read));  // -1 (unknown) as 2^64-1
  PutRdbLength(out, g.pel.size());
  for (const store::StreamPending& p : g.pel) {
    PutRawId(out, p.id);
    PutMs(out, p.delivery_ms);
    PutRdbLength(out, p.delivery_count);
  }
  PutRdbLength(out, g.consumers.size());
  for (const store::StreamConsumer& c : g.consumers) {
    PutRdbString(out, c.name);
    PutMs(out, c.seen_ms);
    PutRdbLength(out, c.pending);
    for (const store::StreamPending& p : g.pel) {
      if (p.consumer == c.cid) PutRawId(out, p.id);
    }
  }
}

// ---- decoding ----

bool ReadId(std::string_view* in, StreamId* id) {
  return ReadRdbLength(in, &id->ms) && ReadRdbLength(in, &id->seq);
}

bool ReadRawId(std::string_view* in, StreamId* id) {
  if (in->size() < 16) return false;
  id->ms = id->seq = 0;
  for (int i = 0; i < 8; ++i) id->ms = (id->ms << 8) | static_cast<uint8_t>((*in)[i]);
  for (int i = 8; i < 16; ++i) id->seq = (id->seq << 8) | static_cast<uint8_t>((*in)[i]);
  in->remove_prefix(16);
  return true;
}

bool ReadMs(std::string_view* in, int64_t* ms) {
  if (in->size() < 8) return false;
  *ms = static_cast<int64_t>(detail::GetLe(reinterpret_cast<const unsigned char*>(in->data()), 8));
  in->remove_prefix(8);
  return true;
}

// A cursor over one node's listpack entries.
class NodeReader {
 public:
  explicit NodeReader(const std::vector<PackedEntry>& e) : e_(e) {}
  bool Int(int64_t* v) {
    if (pos_ >= e_.size()) return false;
    const PackedEntry& x = e_[pos_++];
    if (x.is_int) {
      *v = x.num;
      return true;
    }
    return ParseCanonicalInt(x.str, v);
  }
  bool Text(std::string* s) {
    if (pos_ >= e_.size()) return false;
    *s = e_[pos_++].Text();
    return true;
  }
  bool done() const { return pos_ == e_.size(); }

 private:
  const std::vector<PackedEntry>& e_;
  size_t pos_ = 0;
};

// One entry after the master entry; appended to s unless deleted.
bool DecodeEntry(NodeReader& r, StreamId master, const std::vector<std::string>& mfields, Stream* s,
                 int64_t* live, int64_t* deleted) {
  int64_t flags = 0, dms = 0, dseq = 0, nfields = 0, lp_count = 0;
  if (!r.Int(&flags) || !r.Int(&dms) || !r.Int(&dseq)) return false;
  bool same = (flags & kStreamEntrySameFields) != 0;
  if (same) {
    nfields = static_cast<int64_t>(mfields.size());
  } else if (!r.Int(&nfields) || nfields <= 0) {
    return false;
  }
  std::vector<std::string> fv;
  for (int64_t i = 0; i < nfields; ++i) {
    std::string field, value;
    if (same) {
      field = mfields[static_cast<size_t>(i)];
    } else if (!r.Text(&field)) {
      return false;
    }
    if (!r.Text(&value)) return false;
    fv.push_back(std::move(field));
    fv.push_back(std::move(value));
  }
  int64_t expect = same ? nfields + 3 : 2 * nfields + 4;
  if (!r.Int(&lp_count) || lp_count != expect) return false;
  StreamId id{master.ms + static_cast<uint64_t>(dms), master.seq + static_cast<uint64_t>(dseq)};
  if (flags & kStreamEntryDeleted) {
    ++*deleted;
    return true;
  }
  // Entries must ascend, from above 0-0: the rule XADD keeps.
  if (id.IsZero() || (s->size() > 0 && id <= s->last_id())) return false;
  std::vector<std::string_view> views(fv.begin(), fv.end());
  s->Add(id, views);
  ++*live;
  return true;
}

bool DecodeNode(std::string_view* in, Stream* s) {
  std::string key, blob;
  StreamId master;
  std::string_view key_view;
  if (!ReadRdbString(in, &key) || key.size() != 16) return false;
  key_view = key;
  if (!ReadRawId(&key_view, &master) || !ReadRdbString(in, &blob)) return false;
  std::vector<PackedEntry> entries;
  if (!ReadListpack(blob, &entries) || entries.empty()) return false;
  NodeReader r(entries);
  int64_t count = 0, deleted = 0, nmaster = 0, zero = -1;
  if (!r.Int(&count) || !r.Int(&deleted) || !r.Int(&nmaster) || nmaster <= 0 || count < 0 ||
      deleted < 0) {
    return false;
  }
  std::vector<std::string> mfields;
  for (int64_t i = 0; i < nmaster; ++i) {
    std::string f;
    if (!r.Text(&f)) return false;
    mfields.push_back(std::move(f));
  }
  if (!r.Int(&zero) || zero != 0) return false;
  int64_t live = 0, dead = 0;
  while (!r.done()) {
    if (!DecodeEntry(r, master, mfields, s, &live, &dead)) return false;
  }
  return live == count && dead == deleted;
}

bool DecodeGroup(bool v2, std::string_view* in, Stream* s) {
  std::string name;
  StreamId last;
  uint64_t entries_read = 0;
  if (!ReadRdbString(in, &name) || !ReadId(in, &last)) return false;
  if (v2) {
    if (!ReadRdbLength(in, &entries_read)) return false;
  } else {
    entries_read = static_cast<uint64_t>(s->EstimateEntriesRead(last));
  }
  StreamGroup* g = s->CreateGroup(name, last, static_cast<int64_t>(entries_read));
  uint64_t npel = 0, nconsumers = 0;
  if (g == nullptr || !ReadRdbLength(in, &npel)) return false;
  for (uint64_t i = 0; i < npel; ++i) {
    store::StreamPending p{};
    if (!ReadRawId(in, &p.id) || !ReadMs(in, &p.delivery_ms) ||
        !ReadRdbLength(in, &p.delivery_count)) {
      return false;
    }
    if (!g->pel.empty() && p.id <= g->pel.back().id) return false;  // Redis writes them sorted
    g->pel.push_back(p);
  }
  if (!ReadRdbLength(in, &nconsumers)) return false;
  for (uint64_t i = 0; i < nconsumers; ++i) {
    std::string cname;
    int64_t seen = 0;
    uint64_t owned = 0;
    bool created = false;
    if (!ReadRdbString(in, &cname) || !ReadMs(in, &seen) || !ReadRdbLength(in, &owned)) {
      return false;
    }
    store::StreamConsumer* c = g->GetOrCreateConsumer(cname, seen, &created);
    if (!created) return false;
    for (uint64_t k = 0; k < owned; ++k) {
      StreamId id;
      if (!ReadRawId(in, &id)) return false;
      store::StreamPending* p = g->FindPending(id);
      if (p == nullptr || p->consumer != 0) return false;  // unknown, or owned twice
      p->consumer = c->cid;
      ++c->pending;
    }
  }
  // Every pending entry must have an owner, or XPENDING would show a consumer-less entry.
  return std::none_of(g->pel.begin(), g->pel.end(),
                      [](const store::StreamPending& p) { return p.consumer == 0; });
}

}  // namespace

void EncodeStream(const Stream& stream, std::string* out) {
  out->push_back(static_cast<char>(kTypeStreamListpacks2));
  NodeBuilder nodes;
  stream.Range({}, StreamId::Max(), false, [&](StreamId id, std::span<const std::string_view> fv) {
    nodes.Add(id, fv);
    return true;
  });
  nodes.Finish(out);
  PutRdbLength(out, stream.size());
  PutId(out, stream.last_id());
  PutId(out, stream.first_id());
  PutId(out, stream.max_deleted_id());
  PutRdbLength(out, stream.entries_added());
  PutRdbLength(out, stream.groups().size());
  for (const StreamGroup& g : stream.groups()) EncodeGroup(g, out);
}

bool DecodeStream(bool v2, std::string_view* in, store::ObjRef* out) {
  auto* s = new Stream();
  *out = store::ObjRef(s);
  uint64_t nodes = 0, length = 0, entries_added = 0;
  if (!ReadRdbLength(in, &nodes)) return false;
  for (uint64_t i = 0; i < nodes; ++i) {
    if (!DecodeNode(in, s)) return false;
  }
  StreamId last, first, max_deleted;
  if (!ReadRdbLength(in, &length) || !ReadId(in, &last) || length != s->size()) return false;
  if (v2) {
    if (!ReadId(in, &first) || !ReadId(in, &max_deleted) || !ReadRdbLength(in, &entries_added)) {
      return false;
    }
  } else {
    entries_added = length;
  }
  if ((s->size() > 0 && last < s->last_id()) || entries_added < length) return false;
  s->SetMeta(last, entries_added, max_deleted);
  uint64_t ngroups = 0;
  if (!ReadRdbLength(in, &ngroups)) return false;
  for (uint64_t i = 0; i < ngroups; ++i) {
    if (!DecodeGroup(v2, in, s)) return false;
  }
  return true;
}

}  // namespace cairn::rdb
