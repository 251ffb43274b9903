// JSON encodings of deliveries, attempts and per-webhook delivery state (API, dumps, storage).
#ifndef WEBHOOKS_STORE_DELIVERY_CODEC_H_
#define WEBHOOKS_STORE_DELIVERY_CODEC_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/json_input.h"
#include "store/delivery_store.h"

namespace webhooks {

std::string EncodeDelivery(const Delivery& d);
absl::StatusOr<Delivery> DecodeDelivery(std::string_view json);  // DataLoss when malformed

// Writes the attempt as the API shows it. EncodeAttempt / DecodeAttempt: that JSON as stores
// kept it before the binary record (delivery_record.h), which still reads it.
void WriteAttempt(const Attempt& a, JsonWriter& w);
std::string EncodeAttempt(const Attempt& a);
absl::StatusOr<Attempt> DecodeAttempt(std::string_view json);

std::string EncodeWebhookState(const WebhookDeliveryState& s);
absl::StatusOr<WebhookDeliveryState> DecodeWebhookState(std::string_view json);
// Writes last_error as the API shows it: null or {channel, message, status_code, occurred_at}.
void WriteLastError(const std::optional<LastError>& e, JsonWriter& w);

}  // namespace webhooks

#endif  // WEBHOOKS_STORE_DELIVERY_CODEC_H_
