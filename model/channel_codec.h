// JSON form of a channel: {"channel": "webhook"|"slack"|"email"|"sms", "configs": {...}}.
#ifndef WEBHOOKS_MODEL_CHANNEL_CODEC_H_
#define WEBHOOKS_MODEL_CHANNEL_CODEC_H_

#include <rapidjson/document.h>

#include <optional>
#include <string_view>

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

// True when `url` is an absolute http:// or https:// URL with a host (libcurl's parser).
bool IsHttpUrl(std::string_view url);
// True for a plausible single mailbox "local@domain" without spaces, quotes or control bytes.
bool IsEmailAddress(std::string_view address);
// True for "whsec_" + base64 of 24..64 bytes (Standard Webhooks symmetric key).
bool IsSigningSecret(std::string_view secret);
// A fresh "whsec_" secret of 32 random bytes.
std::string NewSigningSecret();
// True for E.164: "+" then 2..15 digits, the first not 0.
bool IsE164(std::string_view number);

}  // namespace webhooks

#endif  // WEBHOOKS_MODEL_CHANNEL_CODEC_H_
