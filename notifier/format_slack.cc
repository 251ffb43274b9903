// The Slack channel: chat.postMessage (Web API, bot token) or an incoming webhook.
#include <rapidjson/stringbuffer.h>

#include <array>
#include <string>

#include "model/event_types.h"
#include "model/json_input.h"
#include "model/template.h"
#include "notifier/format_internal.h"

namespace webhooks::format_internal {
namespace {

// Slack Web API errors worth another attempt; every other error is permanent.
constexpr std::array<std::string_view, 6> kTransientSlackErrors = {
    "ratelimited", "rate_limited",    "internal_error",
    "fatal_error", "request_timeout", "service_unavailable"};

bool UsesWebApi(const SlackChannel& c) {
  return c.bot_token && !c.bot_token->empty() && c.channel_id && !c.channel_id->empty();
}

// Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting):
// escaping them keeps producer-supplied values from forming <!channel> mentions or links.
std::string SlackEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// SlackEscape, then escaped for the inside of a JSON string literal (for templates that are
// not JSON themselves and are rendered as text).
std::string SlackJsonEscape(std::string_view text) {
  std::string escaped = SlackEscape(text);
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.String(escaped.data(), static_cast<rapidjson::SizeType>(escaped.size()));
  std::string_view quoted(buf.GetString(), buf.GetSize());
  return std::string(quoted.substr(1, quoted.size() - 2));
}

// The message's `text` (shown in notifications, and where blocks are not): a disable notice's
// own message, else the event's type, id and subject.
std::string DefaultText(const rapidjson::Value& envelope) {
  if (Field(envelope, "event_type") == kChannelDisabledEventType) {
    auto metadata = envelope.FindMember("metadata");
    if (metadata != envelope.MemberEnd()) return SlackEscape(Field(metadata->value, "message"));
  }
  std::string text(1, '*');
  text.append(SlackEscape(Field(envelope, "event_type")))
      .append("* event ")
      .append(SlackEscape(Field(envelope, "event_id")));
  auto subject = envelope.FindMember("subject");
  if (subject != envelope.MemberEnd() && subject->value.IsObject()) {
    std::string type = Field(subject->value, "type");
    std::string id = Field(subject->value, "id");
    if (!type.empty() || !id.empty()) {
      text += " (subject " + SlackEscape(type) + (type.empty() || id.empty() ? "" : " ") +
              SlackEscape(id) + ")";
    }
  }
  return text;
}

// The rendered blocks_template when it is a JSON array. A template that is JSON is rendered
// value-wise (RenderJsonTemplate); otherwise as text with values JSON-escaped, then parsed.
std::optional<std::string> RenderBlocks(const std::string& tmpl, const rapidjson::Value& env) {
  rapidjson::Document parsed;
  std::string rendered;
  if (ParseJson(tmpl, &parsed).ok()) {
    rendered = RenderJsonTemplate(tmpl, EscapedCopy(env, SlackEscape));
  } else {
    rendered = RenderTemplate(tmpl, EscapedCopy(env, SlackJsonEscape));
  }
  rapidjson::Document blocks;
  if (!ParseJson(rendered, &blocks).ok() || !blocks.IsArray()) return std::nullopt;
  return ToJson(blocks);
}

void OptionalMember(JsonWriter& w, const char* key, const std::optional<std::string>& value) {
  if (!value) return;
  w.Key(key);
  w.String(*value);
}

std::string MessageBody(const SlackChannel& c, const rapidjson::Value& envelope) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  OptionalMember(w, "channel", UsesWebApi(c) ? c.channel_id : c.channel);
  w.Key("text");
  w.String(DefaultText(envelope));
  OptionalMember(w, "username", c.username);
  OptionalMember(w, "icon_emoji", c.icon_emoji);
  OptionalMember(w, "icon_url", c.icon_url);
  if (c.blocks_template) {
    if (std::optional<std::string> blocks = RenderBlocks(*c.blocks_template, envelope)) {
      w.Key("blocks");
      w.RawValue(blocks->data(), blocks->size(), rapidjson::kArrayType);
    }
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

// The value after `"key":` in `body`, found textually: Slack's answer may be cut at
// kMaxResponseExcerpt bytes and so not parse, but "ok" and "error" come first.
std::string_view ScanMember(std::string_view body, std::string_view key) {
  std::string needle(1, '"');  // built by appends: GCC 12 misreports "x" + string (-Wrestrict)
  needle.append(key).push_back('"');
  size_t at = body.find(needle);
  if (at == std::string_view::npos) return {};
  body.remove_prefix(at + key.size() + 2);
  size_t colon = body.find_first_not_of(" \t\r\n");
  if (colon == std::string_view::npos || body[colon] != ':') return {};
  body.remove_prefix(colon + 1);
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  body.remove_prefix(start);
  if (body.starts_with("\"")) {
    size_t end = body.find('"', 1);
    return end == std::string_view::npos ? std::string_view() : body.substr(1, end - 1);
  }
  return body.substr(0, body.find_first_of(",} \t\r\n"));
}

Verdict InterpretWebApiBody(const TransportResult& result) {
  std::string_view ok = ScanMember(result.body, "ok");
  if (ok == "true") return SuccessVerdict();
  if (ok != "false") {
    return RetryVerdict("slack: unexpected response (" + HttpError(result) + ")");
  }
  std::string error(ScanMember(result.body, "error"));
  if (error.empty()) error = "unknown";
  for (std::string_view transient : kTransientSlackErrors) {
    if (error == transient) return RetryVerdict("slack error: " + error, RetryAfterMs(result));
  }
  return FailVerdict("slack error: " + error);
}

}  // namespace

absl::StatusOr<Outbound> BuildSlack(const SlackChannel& channel, const DeliveryContext& ctx,
                                    const ChannelEndpoints& endpoints) {
  rapidjson::Document envelope = ParseEnvelope(ctx.envelope_json);
  OutboundHttp out;
  if (UsesWebApi(channel)) {
    if (endpoints.slack_api_url.empty()) {
      return absl::InvalidArgumentError("slack channel needs --slack-api-url");
    }
    out.url = std::string(TrimTrailingSlash(endpoints.slack_api_url)) + "/chat.postMessage";
    if (channel.bot_token->find_first_of("\r\n") != std::string::npos) {
      return absl::InvalidArgumentError("slack bot_token contains CR or LF");
    }
    out.guard_target = false;  // the operator's configured API
    out.headers.emplace_back("Authorization", "Bearer " + *channel.bot_token);
  } else if (channel.webhook_url && !channel.webhook_url->empty()) {
    out.url = *channel.webhook_url;
    out.guard_target = true;
  } else {
    return absl::InvalidArgumentError(
        "slack channel needs webhook_url, or bot_token and channel_id");
  }
  out.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  out.headers.emplace_back("User-Agent", std::string(kUserAgent));
  out.body = MessageBody(channel, envelope);
  return Outbound(std::move(out));
}

Verdict InterpretSlack(const SlackChannel& channel, const TransportResult& result) {
  if (!UsesWebApi(channel)) return InterpretHttpStatus(result);
  if (!result.error.empty()) return RetryVerdict(result.error);
  if (result.status_code == 429) return RetryVerdict(HttpError(result), RetryAfterMs(result));
  if (result.status_code >= 200 && result.status_code < 300) return InterpretWebApiBody(result);
  return InterpretHttpStatus(result);
}

}  // namespace webhooks::format_internal
