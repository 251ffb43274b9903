// The storage form of a delivery in the "deliveries" table: a compact binary record, read and
// written once per attempt by the notifier, so it costs no JSON parsing or escaping. Dumps carry
// the JSON form instead (delivery_codec.h).
//
// Layout (little-endian): byte 0x01 (format), then the strings delivery_id, internal_id,
// webhook_id, event_id, event_type, envelope_json, created_at (each u32 length + bytes), then
// u32 channel_index, u32 target_index, u8 state, u32 attempts, i64 next_attempt_ms.
#ifndef WEBHOOKS_STORE_DELIVERY_RECORD_H_
#define WEBHOOKS_STORE_DELIVERY_RECORD_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "store/delivery_store.h"

namespace webhooks {

std::string EncodeDeliveryRecord(const Delivery& d);
// Reads a stored delivery: the binary form above, or the JSON form of stores written before it
// (a record starting with '{'). DataLoss when malformed.
absl::StatusOr<Delivery> DecodeDeliveryRecord(std::string_view record);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_DELIVERY_RECORD_H_
