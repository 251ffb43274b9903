// JSON form of a channel: {"channel": "webhook"|"slack"|"email"|"sms", "configs": {...}}.
#ifndef WEBHOOKS_MODEL_CHANNEL_CODEC_H_
#define WEBHOOKS_MODEL_CHANNEL_CODEC_H_

#include <rapidjson/document.h>

#include <optional>
#include <string_view>

#include "model/channel_checks.h"
#include "model/json_input.h"
#include "model/validation.h"
#include "model/webhook.h"

namespace webhooks {

// Validates one element of `channels` at `path` (e.g. body.channels.0). Returns the channel,
// or nullopt after adding every failing field to `errors`. "http" is read as "webhook".
std::optional<Channel> ParseChannel(const rapidjson::Value& value, const Path& path,
                                    ValidationErrors& errors);

// The channel's wire name: "webhook", "slack", "email" or "sms".
std::string_view ChannelName(const Channel& channel);

// Writes {"channel": ..., "configs": {...}}; unset optional fields are omitted, defaults written.
void WriteChannel(const Channel& channel, JsonWriter& w);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_CHANNEL_CODEC_H_
