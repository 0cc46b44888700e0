#include "storage/event_log.h"

#include <algorithm>

#include "storage/change_index.h"
#include "storage/event_hash.h"
#include "storage/json_path.h"
#include "storage/key_codec.h"
#include "storage/meta_keys.h"
#include "storage/names.h"
#include "storage/text_index.h"
#include "storage/transaction.h"

namespace strata::storage {
namespace {

constexpr size_t kEventHeaderBytes = 8 + 8 + kHashBytes + kHashBytes + 2;

std::string TypeIndexPrefix(uint32_t branch_id, uint32_t space_id, std::string_view type) {
  std::string key = ScopePrefix(branch_id, space_id, Primitive::kEventByType);
  key.append(type);
  key.push_back('\0');
  return key;
}

struct Head {
  uint64_t next_sequence = 0;
  std::string last_hash = std::string(kHashBytes, '\0');
};

Result<Head> ReadHead(const Txn& txn, const Databases& dbs, uint32_t branch_id, uint32_t space_id) {
  auto v = txn.Get(dbs.meta, EventLog::HeadKey(branch_id, space_id));
  if (!v.ok()) return v.status();
  Head head;
  if (!v->has_value()) return head;
  if ((*v)->size() != 8 + kHashBytes) return Status::Internal("corrupt event log head");
  head.next_sequence = ReadU64(**v);
  head.last_hash = std::string((*v)->substr(8));
  return head;
}

// A corrupt record is an error, unless `payload_error` is given: then it is
// reported there (Verify reports it as a broken link) and a partial event returned.
Result<Event> DecodeEvent(uint64_t sequence, std::string_view v, Status* payload_error = nullptr) {
  Event e;
  e.sequence = sequence;
  if (v.size() < kEventHeaderBytes) {
    Status corrupt = Status::Internal("corrupt event record " + std::to_string(sequence) + ": short header");
    if (payload_error == nullptr) return corrupt;
    *payload_error = corrupt;  // version 0: a short record is reported wherever it is
    return e;
  }
  e.version = ReadU64(v);
  e.timestamp = static_cast<int64_t>(ReadU64(v.substr(8)));
  e.prev_hash = std::string(v.substr(16, kHashBytes));
  e.hash = std::string(v.substr(16 + kHashBytes, kHashBytes));
  auto fields = EventLog::ViewRecord(v);  // the header is whole: only the type can be short
  if (!fields.has_value()) {
    Status corrupt = Status::Internal("corrupt event record " + std::to_string(sequence) + ": short type");
    if (payload_error == nullptr) return corrupt;
    *payload_error = corrupt;
    return e;
  }
  e.type = std::string(fields->type);
  auto payload = DecodeValue(fields->encoded_payload);
  if (!payload.ok()) {
    if (payload_error == nullptr) return payload.status();
    *payload_error = payload.status();
    return e;
  }
  e.payload = std::move(payload).value();
  return e;
}

// Reads the event at `sequence` through the view's layers; nullopt when no
// layer holds it at or below the view's version.
Result<std::optional<Event>> ReadEvent(const ReadView& view, uint64_t sequence) {
  using Out = std::optional<Event>;
  if (!view.space_id.has_value()) return Out();
  for (const Layer& layer : view.layers) {
    auto v = view.txn.Get(view.records_dbi, EventLog::EventKey(layer.branch_id, *view.space_id, sequence));
    if (!v.ok()) return v.status();
    if (!v->has_value()) continue;
    auto e = DecodeEvent(sequence, **v);
    if (!e.ok()) return e.status();
    // Past this layer's cap: a lower layer may hold the sequence (a branch
    // whose space was deleted restarts its log at 0 over its inherited one).
    if (e->version > std::min(view.version, layer.max_version)) continue;
    return Out(std::move(e).value());
  }
  return Out();
}

// Calls `visit` for each visible event after `after` in ascending sequence,
// layer by layer from the root ancestor (whose events come first) to the branch.
// With a type, walks that type's index only. `visit(Event&&, const Status&
// payload_error)` returns false to stop.
template <typename Visit>
Status ScanEvents(const ReadView& view, const std::optional<std::string>& type, std::optional<uint64_t> after,
                  Visit visit) {
  if (!view.space_id.has_value()) return Status::Ok();
  uint64_t start = after.has_value() ? *after + 1 : 0;
  if (after.has_value() && *after == UINT64_MAX) return Status::Ok();
  for (auto it = view.layers.rbegin(); it != view.layers.rend(); ++it) {
    uint64_t cap = std::min(view.version, it->max_version);
    std::string prefix = type.has_value() ? TypeIndexPrefix(it->branch_id, *view.space_id, *type)
                                          : ScopePrefix(it->branch_id, *view.space_id, Primitive::kEvent);
    std::string seek = prefix;
    AppendU64(seek, start);
    Cursor c(view.txn, view.records_dbi);
    for (bool ok = c.Seek(seek); ok; ok = c.Next()) {
      std::string_view key = c.key();
      if (key.size() != prefix.size() + 8 || key.compare(0, prefix.size(), prefix) != 0) break;
      uint64_t sequence = ReadU64(key.substr(prefix.size()));
      std::string_view value;
      std::string index_value;
      if (type.has_value()) {
        auto v = view.txn.Get(view.records_dbi, EventLog::EventKey(it->branch_id, *view.space_id, sequence));
        if (!v.ok()) return v.status();
        if (!v->has_value()) return Status::Internal("event type index names a missing event");
        value = **v;
      } else {
        value = c.value();
      }
      Status payload_error;
      auto e = DecodeEvent(sequence, value, &payload_error);
      if (!e.ok()) return e.status();
      // Versions grow with sequence: past the cap, nothing later in this layer is visible.
      if (e->version > cap) break;
      if (!visit(std::move(e).value(), payload_error)) return Status::Ok();
    }
    STRATA_RETURN_IF_ERROR(c.status());
  }
  return Status::Ok();
}

// The log's length at the view's version: its head, unless commits after the
// view appended to it (a transaction's snapshot, as_of): then a binary search,
// since versions grow with sequence.
Result<uint64_t> LengthAt(const ReadView& view, const Databases& dbs) {
  if (!view.space_id.has_value()) return uint64_t{0};
  auto head = ReadHead(view.txn, dbs, view.branch_id, *view.space_id);
  if (!head.ok()) return head.status();
  if (view.version == UINT64_MAX) return head->next_sequence;
  uint64_t lo = 0, hi = head->next_sequence;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    auto e = ReadEvent(view, mid);
    if (!e.ok()) return e.status();
    if (e->has_value()) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Inside a transaction (its mutex held): the log's length at the snapshot,
// remembered so that commit can tell whether the log moved meanwhile.
Result<uint64_t> SnapshotLength(TxnSession& session, const ReadView& view, const Databases& dbs) {
  if (session.closed()) return Status::NotFound("transaction \"" + session.id() + "\" has ended");
  if (auto known = session.EventHead(view.space_name)) return *known;
  auto len = LengthAt(view, dbs);
  if (!len.ok()) return len.status();
  session.NoteEventHead(view.space_name, *len);
  return *len;
}

// An event staged in a transaction, as reads inside it show it: with the
// timestamp and hashes it keeps at commit, but no version before then.
Event FromStaged(const StagedEvent& staged) {
  Event e;
  e.sequence = staged.sequence;
  e.type = staged.type;
  e.payload = staged.payload;
  e.timestamp = staged.timestamp;
  e.prev_hash = staged.prev_hash;
  e.hash = staged.hash;
  return e;
}

}  // namespace

Status ValidateEventType(std::string_view type) {
  if (type.empty()) return Status::InvalidArgument("event_type must not be empty");
  if (type.size() > kMaxEventTypeBytes) {
    return Status::InvalidArgument("event_type is " + std::to_string(type.size()) + " bytes; the limit is 256 bytes");
  }
  if (type.find('\0') != std::string_view::npos) return Status::InvalidArgument("event_type must not contain NUL");
  if (!IsValidUtf8(type)) return Status::InvalidArgument("event_type is not valid utf-8");
  return Status::Ok();
}


Result<uint64_t> EventLog::NextSequence(const Txn& txn, const Databases& dbs, uint32_t branch_id, uint32_t space_id) {
  auto head = ReadHead(txn, dbs, branch_id, space_id);
  if (!head.ok()) return head.status();
  return head->next_sequence;
}

Result<Event> EventLog::DecodeRecord(uint64_t sequence, std::string_view value) {
  return DecodeEvent(sequence, value);
}

std::string EventLog::EventKey(uint32_t branch_id, uint32_t space_id, uint64_t sequence) {
  std::string key = ScopePrefix(branch_id, space_id, Primitive::kEvent);
  AppendU64(key, sequence);
  return key;
}

std::string EventLog::HeadKey(uint32_t branch_id, uint32_t space_id) {
  std::string key(kMetaEventHeadPrefix);
  AppendU32(key, branch_id);
  AppendU32(key, space_id);
  return key;
}

std::string EventLog::TimeIndexPrefix(uint32_t branch_id, uint32_t space_id, int64_t timestamp,
                                      std::string_view type, std::string_view encoded_payload) {
  // FNV-1a, 64 bits, over [type length u16][type][payload]: a stable bucket,
  // cheap on the append path; equal hashes are told apart by the records.
  uint64_t content = 14695981039346656037ull;
  auto mix = [&content](unsigned char byte) {
    content ^= byte;
    content *= 1099511628211ull;
  };
  mix(static_cast<unsigned char>((type.size() >> 8) & 0xff));
  mix(static_cast<unsigned char>(type.size() & 0xff));
  for (char c : type) mix(static_cast<unsigned char>(c));
  for (char c : encoded_payload) mix(static_cast<unsigned char>(c));
  std::string key = ScopePrefix(branch_id, space_id, Primitive::kEventByTime);
  AppendU64(key, static_cast<uint64_t>(timestamp));
  AppendU64(key, content);
  return key;
}

std::optional<EventLog::RecordView> EventLog::ViewRecord(std::string_view record) {
  if (record.size() < kEventHeaderBytes) return std::nullopt;
  size_t type_len = (static_cast<uint8_t>(record[16 + 2 * kHashBytes]) << 8) |
                    static_cast<uint8_t>(record[17 + 2 * kHashBytes]);
  if (record.size() < kEventHeaderBytes + type_len) return std::nullopt;
  RecordView view;
  view.version = ReadU64(record);
  view.timestamp = static_cast<int64_t>(ReadU64(record.substr(8)));
  view.type = record.substr(kEventHeaderBytes, type_len);
  view.encoded_payload = record.substr(kEventHeaderBytes + type_len);
  return view;
}

Status EventLog::BuildTimeIndexIfMissing(Txn& txn, const Databases& dbs) {
  auto marker = txn.Get(dbs.meta, kMetaEventTimeIndex);
  if (!marker.ok()) return marker.status();
  if (marker->has_value()) return Status::Ok();
  // Every log has a head: the logs are found there, not by a walk of all records.
  std::vector<std::pair<uint32_t, uint32_t>> logs;
  {
    Cursor c(txn, dbs.meta);
    for (bool ok = c.Seek(kMetaEventHeadPrefix);
         ok && c.key().substr(0, kMetaEventHeadPrefix.size()) == kMetaEventHeadPrefix; ok = c.Next()) {
      std::string_view ids = c.key().substr(kMetaEventHeadPrefix.size());
      if (ids.size() != 8) return Status::Internal("corrupt event log head key");
      logs.emplace_back(ReadU32(ids), ReadU32(ids.substr(4)));
    }
    STRATA_RETURN_IF_ERROR(c.status());
  }
  // In slices, each read with the cursor open and written after it is closed.
  constexpr size_t kSlice = 16384;
  for (const auto& [branch_id, space_id] : logs) {
    const std::string prefix = ScopePrefix(branch_id, space_id, Primitive::kEvent);
    uint64_t from = 0;
    while (true) {
      std::vector<std::pair<std::string, std::string>> entries;  // index key, value
      bool more = false;
      std::string seek = prefix;
      AppendU64(seek, from);
      {
        Cursor c(txn, dbs.records);
        for (bool ok = c.Seek(seek); ok; ok = c.Next()) {
          std::string_view key = c.key();
          if (key.size() != prefix.size() + 8 || key.compare(0, prefix.size(), prefix) != 0) break;
          from = ReadU64(key.substr(prefix.size())) + 1;
          // A record too short to read is left out: event_verify reports
          // it, and the open must not fail on it.
          auto view = ViewRecord(c.value());
          if (!view.has_value()) continue;
          std::string index_key = TimeIndexPrefix(branch_id, space_id, view->timestamp, view->type,
                                                  view->encoded_payload);
          index_key.append(key.substr(prefix.size()));
          std::string version;
          AppendU64(version, view->version);
          entries.emplace_back(std::move(index_key), std::move(version));
          if (entries.size() == kSlice) {
            more = true;
            break;
          }
        }
        STRATA_RETURN_IF_ERROR(c.status());
      }
      for (const auto& [key, value] : entries) STRATA_RETURN_IF_ERROR(txn.Put(dbs.records, key, value));
      if (!more) break;
    }
  }
  std::string one;
  AppendU32(one, 1);
  return txn.Put(dbs.meta, kMetaEventTimeIndex, one);
}

Result<AppendResult> EventLog::Append(const Scope& scope, std::string_view type, const Value& payload) {
  STRATA_RETURN_IF_ERROR(ValidateEventType(type));
  STRATA_RETURN_IF_ERROR(RequireFiniteNumbers(payload, "an event payload"));
  if (!scope.txn_id.empty()) return AppendInTxn(scope, type, payload);
  AppendResult result;
  Status st = core_.RunWrite(scope, [&](WriteContext& ctx, const WriteTarget& target) -> Status {
    auto version = ctx.NextVersion();
    if (!version.ok()) return version.status();
    auto r = AppendInWriter(ctx, target.branch_id, target.space_id, type, payload, *version);
    if (!r.ok()) return r.status();
    result = *r;
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return result;
}

Result<AppendResult> EventLog::AppendInTxn(const Scope& scope, std::string_view type, const Value& payload) {
  auto view = core_.BeginRead(scope, std::nullopt);
  if (!view.ok()) return view.status();
  TxnSession& session = *view->session;
  std::lock_guard<std::mutex> lock(session.mu());
  auto length = SnapshotLength(session, *view, core_.dbs());
  if (!length.ok()) return length.status();
  auto staged = session.StagedEvents(view->space_name);
  uint64_t sequence = *length + staged.size();
  // The chain continues from the last staged event, else the snapshot's head.
  std::string prev_hash(kHashBytes, '\0');
  if (!staged.empty()) {
    prev_hash = staged.back()->hash;
  } else if (*length > 0) {
    auto head = ReadEvent(*view, *length - 1);
    if (!head.ok()) return head.status();
    if (!head->has_value()) return Status::Internal("event log shorter than its length");
    prev_hash = (*head)->hash;
  }
  StagedEvent event{view->space_name, sequence, std::string(type), payload, NowMicros(), prev_hash, ""};
  event.hash = EventHash(event.prev_hash, sequence, event.type, event.timestamp, event.payload);
  STRATA_RETURN_IF_ERROR(session.StageEvent(std::move(event)));
  return AppendResult{sequence, 0};  // the version is the commit's
}

Result<AppendResult> EventLog::AppendInWriter(WriteContext& ctx, uint32_t branch_id, uint32_t space_id,
                                              std::string_view type, const Value& payload, uint64_t version) {
  return AppendInWriterAt(ctx, branch_id, space_id, type, payload, version, ctx.timestamp());
}

Result<AppendResult> EventLog::AppendInWriterAt(WriteContext& ctx, uint32_t branch_id, uint32_t space_id,
                                                std::string_view type, const Value& payload, uint64_t version,
                                                int64_t timestamp) {
  auto head = ReadHead(ctx.txn(), ctx.dbs(), branch_id, space_id);
  if (!head.ok()) return head.status();
  std::string encoded_payload = EncodeValue(payload);
  uint64_t sequence = head->next_sequence;
  std::string hash = EventHash(head->last_hash, sequence, type, timestamp, payload);
  std::string record;
  record.reserve(kEventHeaderBytes + type.size() + encoded_payload.size());
  AppendU64(record, version);
  AppendU64(record, static_cast<uint64_t>(timestamp));
  record += head->last_hash;
  record += hash;
  record.push_back(static_cast<char>((type.size() >> 8) & 0xff));
  record.push_back(static_cast<char>(type.size() & 0xff));
  record.append(type);
  record += encoded_payload;
  // Keyword search indexes the event in this same transaction (storage/text_index.h).
  STRATA_RETURN_IF_ERROR(TextIndex::OnEventWrite(ctx.txn(), ctx.dbs().records, branch_id, space_id, sequence, version, type, payload));
  STRATA_RETURN_IF_ERROR(ctx.txn().Put(ctx.dbs().records, EventKey(branch_id, space_id, sequence), record));
  std::string index_key = TypeIndexPrefix(branch_id, space_id, type);
  AppendU64(index_key, sequence);
  STRATA_RETURN_IF_ERROR(ctx.txn().Put(ctx.dbs().records, index_key, {}));
  std::string time_key = TimeIndexPrefix(branch_id, space_id, timestamp, type, encoded_payload);
  AppendU64(time_key, sequence);
  std::string time_value;
  AppendU64(time_value, version);
  STRATA_RETURN_IF_ERROR(ctx.txn().Put(ctx.dbs().records, time_key, time_value));
  // Every event is in the branch's change index (branch diff and merge).
  STRATA_RETURN_IF_ERROR(ChangeIndex::AddEvent(ctx.txn(), ctx.dbs().records, branch_id, version, space_id, sequence));
  std::string new_head;
  AppendU64(new_head, sequence + 1);
  new_head += hash;
  STRATA_RETURN_IF_ERROR(ctx.txn().Put(ctx.dbs().meta, HeadKey(branch_id, space_id), new_head));
  return AppendResult{sequence, version};
}

Result<std::optional<Event>> EventLog::Get(const Scope& scope, uint64_t sequence, std::optional<int64_t> as_of) {
  auto view = core_.BeginRead(scope, as_of);
  if (!view.ok()) return view.status();
  if (view->session != nullptr) {
    std::lock_guard<std::mutex> lock(view->session->mu());
    auto length = SnapshotLength(*view->session, *view, core_.dbs());
    if (!length.ok()) return length.status();
    if (sequence < *length) return ReadEvent(*view, sequence);
    auto staged = view->session->StagedEvents(view->space_name);
    if (sequence - *length >= staged.size()) return std::optional<Event>();
    return std::optional<Event>(FromStaged(*staged[sequence - *length]));
  }
  return ReadEvent(*view, sequence);
}

Result<std::vector<Event>> EventLog::List(const Scope& scope, const std::optional<std::string>& type, size_t limit,
                                          std::optional<uint64_t> after, std::optional<int64_t> as_of) {
  if (type.has_value()) STRATA_RETURN_IF_ERROR(ValidateEventType(*type));
  if (limit == 0 || limit > 10000) {
    return Status::InvalidArgument("limit must be between 1 and 10000, got " + std::to_string(limit));
  }
  auto view = core_.BeginRead(scope, as_of);
  if (!view.ok()) return view.status();
  std::vector<Event> out;
  Status corrupt;
  STRATA_RETURN_IF_ERROR(ScanEvents(*view, type, after, [&](Event&& e, const Status& payload_error) {
    if (!payload_error.ok()) {
      corrupt = payload_error;
      return false;
    }
    out.push_back(std::move(e));
    return out.size() < limit;
  }));
  STRATA_RETURN_IF_ERROR(corrupt);
  if (view->session != nullptr && out.size() < limit) {
    std::lock_guard<std::mutex> lock(view->session->mu());
    auto length = SnapshotLength(*view->session, *view, core_.dbs());
    if (!length.ok()) return length.status();
    for (const StagedEvent* e : view->session->StagedEvents(view->space_name)) {
      if (out.size() >= limit) break;
      if (after.has_value() && e->sequence <= *after) continue;
      if (type.has_value() && e->type != *type) continue;
      out.push_back(FromStaged(*e));
    }
  }
  return out;
}

Result<uint64_t> EventLog::Len(const Scope& scope, std::optional<int64_t> as_of) {
  auto view = core_.BeginRead(scope, as_of);
  if (!view.ok()) return view.status();
  if (view->session != nullptr) {
    std::lock_guard<std::mutex> lock(view->session->mu());
    auto length = SnapshotLength(*view->session, *view, core_.dbs());
    if (!length.ok()) return length.status();
    return *length + view->session->StagedEvents(view->space_name).size();
  }
  return LengthAt(*view, core_.dbs());
}

Result<VerifyResult> EventLog::Verify(const Scope& scope) {
  auto view = core_.BeginRead(scope, std::nullopt);
  if (!view.ok()) return view.status();
  // The chain is a property of what is committed: inside a transaction,
  // verify its branch's log as committed now.
  if (view->session != nullptr) view = core_.ReadAt(view->session->branch(), view->space_name, std::nullopt, UINT64_MAX);
  if (!view.ok()) return view.status();
  VerifyResult result;
  std::string prev(kHashBytes, '\0');
  uint64_t expected = 0;
  auto broken = [&](uint64_t sequence, std::string why) {
    result.valid = false;
    result.first_broken = sequence;
    result.reason = std::move(why);
    return false;
  };
  STRATA_RETURN_IF_ERROR(ScanEvents(*view, std::nullopt, std::nullopt, [&](Event&& e, const Status& payload_error) {
    if (e.sequence != expected) return broken(expected, "event " + std::to_string(expected) + " is missing");
    if (!payload_error.ok()) return broken(e.sequence, "the event record cannot be decoded: " + payload_error.message());
    if (e.prev_hash != prev) return broken(e.sequence, "prev_hash does not match the previous event's hash");
    if (EventHash(prev, e.sequence, e.type, e.timestamp, e.payload) != e.hash) {
      return broken(e.sequence, "hash does not match the event's contents");
    }
    prev = e.hash;
    ++expected;
    return true;
  }));
  uint64_t length = expected;
  if (view->space_id.has_value()) {
    auto head = ReadHead(view->txn, core_.dbs(), view->branch_id, *view->space_id);
    if (!head.ok()) return head.status();
    length = std::max(length, head->next_sequence);
    if (result.valid && head->next_sequence != expected) {
      result.valid = false;
      result.first_broken = expected;
      result.reason = "event " + std::to_string(expected) + " is missing";
    } else if (result.valid && expected > 0 && head->last_hash != prev) {
      result.valid = false;
      result.first_broken = expected - 1;
      result.reason = "the log head's hash does not match the last event";
    }
  }
  result.length = length;
  result.head_hash = prev;
  return result;
}

}  // namespace strata::storage
