// JSON form of webhooks: validating the client's body, and encoding for the API and for storage.
#ifndef WEBHOOKS_MODEL_WEBHOOK_CODEC_H_
#define WEBHOOKS_MODEL_WEBHOOK_CODEC_H_

#include <rapidjson/document.h>

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/json_input.h"
#include "model/webhook.h"

namespace webhooks {

inline constexpr size_t kMaxWebhookName = 200;
inline constexpr size_t kMaxDescription = 2000;
inline constexpr size_t kMaxChannels = 20;

// Validates a create/PUT body. Server-owned fields (webhook_id, internal_id, created_at,
// updated_at) and unknown fields are ignored. Returns the spec, or an InvalidArgument status
// carrying every failing field (locations start with "body"; see FieldErrorsJson).
absl::StatusOr<WebhookSpec> ParseWebhookSpec(const rapidjson::Value& body);

enum class Audience {
  kApi,      // what clients see: no internal_id, no seq
  kStorage,  // everything, for LMDB and dumps
};

// Writes the webhook as one JSON object; `extra`, when given, writes more members at its end.
void WriteWebhook(const Webhook& webhook, Audience audience, JsonWriter& w,
                  const std::function<void(JsonWriter&)>& extra = nullptr);
std::string EncodeWebhook(const Webhook& webhook, Audience audience);

// Decodes a kStorage encoding, re-validating it. Returns DataLoss for anything malformed.
absl::StatusOr<Webhook> DecodeStoredWebhook(std::string_view json);
// The same for an already parsed kStorage object.
absl::StatusOr<Webhook> DecodeStoredWebhook(const rapidjson::Value& doc);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_WEBHOOK_CODEC_H_
