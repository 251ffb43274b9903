// The storage forms of a delivery (the "deliveries" table) and of an attempt (the "attempts"
// table): compact binary records, written once per attempt by the notifier, so they cost no JSON
// escaping or parsing. Dumps carry the JSON form of deliveries instead (delivery_codec.h); the
// API shows attempts as JSON.
//
// Delivery layout (little-endian): byte 0x01 (format), then the strings delivery_id,
// internal_id, webhook_id, event_id, event_type, envelope_json, created_at (each u32 length +
// bytes), then u32 channel_index, u32 target_index, u8 state, u32 attempts, i64 next_attempt_ms.
//
// Attempt layout: byte 0x01, the strings delivery_id, webhook_id, event_id, event_type, channel,
// status, error, response_excerpt, attempted_at, then u64 seq, u32 channel_index, u32 attempt,
// i32 status_code, i64 duration_ms, u8 1 and the string next_attempt_at, or u8 0. No
// internal_id: the record's key holds it.
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

std::string EncodeAttemptRecord(const Attempt& a);
// Reads a stored attempt: the binary form above, or the JSON form of stores written before it.
// DataLoss when malformed.
absl::StatusOr<Attempt> DecodeAttemptRecord(std::string_view record);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_DELIVERY_RECORD_H_
