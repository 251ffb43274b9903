#include "store/delivery_record.h"

#include <cstring>

#include "store/delivery_codec.h"

namespace webhooks {
namespace {

constexpr char kFormat = 0x01;

template <typename T>
void PutFixed(std::string& out, T v) {
  char bytes[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(bytes, sizeof(T));
}

void PutString(std::string& out, std::string_view s) {
  PutFixed<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Reads fields front to back; any read past the end makes ok() false for good.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  template <typename T>
  T Fixed() {
    if (!Need(sizeof(T))) return 0;
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      v |= static_cast<T>(static_cast<T>(static_cast<unsigned char>(in_[i])) << (8 * i));
    }
    in_.remove_prefix(sizeof(T));
    return v;
  }
  std::string String() {
    uint32_t n = Fixed<uint32_t>();
    if (!Need(n)) return {};
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }

 private:
  bool Need(size_t n) {
    if (in_.size() < n) ok_ = false;
    return ok_;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string EncodeDeliveryRecord(const Delivery& d) {
  std::string out;
  out.reserve(64 + d.delivery_id.size() + d.internal_id.size() + d.webhook_id.size() +
              d.event_id.size() + d.event_type.size() + d.envelope_json.size() +
              d.created_at.size());
  out.push_back(kFormat);
  for (const std::string* s : {&d.delivery_id, &d.internal_id, &d.webhook_id, &d.event_id,
                               &d.event_type, &d.envelope_json, &d.created_at}) {
    PutString(out, *s);
  }
  PutFixed<uint32_t>(out, d.channel_index);
  PutFixed<uint32_t>(out, d.target_index);
  PutFixed<uint8_t>(out, static_cast<uint8_t>(d.state));
  PutFixed<uint32_t>(out, d.attempts);
  PutFixed<uint64_t>(out, static_cast<uint64_t>(d.next_attempt_ms));
  return out;
}

absl::StatusOr<Delivery> DecodeDeliveryRecord(std::string_view record) {
  if (!record.empty() && record.front() == '{') return DecodeDelivery(record);
  if (record.empty() || record.front() != kFormat) {
    return absl::DataLossError("delivery record of unknown format");
  }
  Reader r(record.substr(1));
  Delivery d;
  for (std::string* s : {&d.delivery_id, &d.internal_id, &d.webhook_id, &d.event_id, &d.event_type,
                         &d.envelope_json, &d.created_at}) {
    *s = r.String();
  }
  d.channel_index = r.Fixed<uint32_t>();
  d.target_index = r.Fixed<uint32_t>();
  uint8_t state = r.Fixed<uint8_t>();
  d.attempts = r.Fixed<uint32_t>();
  d.next_attempt_ms = static_cast<int64_t>(r.Fixed<uint64_t>());
  if (!r.ok() || !r.done()) return absl::DataLossError("truncated delivery record");
  if (state > static_cast<uint8_t>(DeliveryState::kCancelled)) {
    return absl::DataLossError("delivery with unknown state");
  }
  d.state = static_cast<DeliveryState>(state);
  return d;
}

std::string EncodeAttemptRecord(const Attempt& a) {
  const std::string* strings[] = {&a.delivery_id, &a.webhook_id,       &a.event_id,
                                  &a.event_type,  &a.channel,          &a.status,
                                  &a.error,       &a.response_excerpt, &a.attempted_at};
  // The format byte, the fixed fields and next_attempt_at's length, then the strings.
  size_t size = 1 + 29 + 4 + (a.next_attempt_at ? a.next_attempt_at->size() : 0);
  for (const std::string* s : strings) size += 4 + s->size();
  std::string out;
  out.reserve(size);
  out.push_back(kFormat);
  for (const std::string* s : strings) PutString(out, *s);
  PutFixed<uint64_t>(out, a.seq);
  PutFixed<uint32_t>(out, a.channel_index);
  PutFixed<uint32_t>(out, a.attempt);
  PutFixed<uint32_t>(out, static_cast<uint32_t>(a.status_code));
  PutFixed<uint64_t>(out, static_cast<uint64_t>(a.duration_ms));
  PutFixed<uint8_t>(out, a.next_attempt_at ? 1 : 0);
  if (a.next_attempt_at) PutString(out, *a.next_attempt_at);
  return out;
}

absl::StatusOr<Attempt> DecodeAttemptRecord(std::string_view record) {
  if (!record.empty() && record.front() == '{') return DecodeAttempt(record);
  if (record.empty() || record.front() != kFormat) {
    return absl::DataLossError("attempt record of unknown format");
  }
  Reader r(record.substr(1));
  Attempt a;
  for (std::string* s : {&a.delivery_id, &a.webhook_id, &a.event_id, &a.event_type, &a.channel,
                         &a.status, &a.error, &a.response_excerpt, &a.attempted_at}) {
    *s = r.String();
  }
  a.seq = r.Fixed<uint64_t>();
  a.channel_index = r.Fixed<uint32_t>();
  a.attempt = r.Fixed<uint32_t>();
  a.status_code = static_cast<int32_t>(r.Fixed<uint32_t>());
  a.duration_ms = static_cast<int64_t>(r.Fixed<uint64_t>());
  const uint8_t has_next = r.Fixed<uint8_t>();
  if (has_next == 1) a.next_attempt_at = r.String();
  if (!r.ok() || !r.done() || has_next > 1) {
    return absl::DataLossError("truncated attempt record");
  }
  return a;
}

}  // namespace webhooks
