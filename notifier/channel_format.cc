#include "notifier/channel_format.h"

#include <ctime>
#include <type_traits>
#include <utility>
#include <variant>

#include "model/json_input.h"
#include "model/retry_schedule.h"
#include "notifier/format_internal.h"

namespace webhooks {
namespace format_internal {
namespace {

constexpr size_t kErrorExcerpt = 200;

void CopyEscaped(const rapidjson::Value& in, std::string (*escape)(std::string_view),
                 rapidjson::Document::AllocatorType& alloc, rapidjson::Value* out) {
  auto escaped_string = [&](const rapidjson::Value& s) {
    std::string text = escape(std::string_view(s.GetString(), s.GetStringLength()));
    return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
  };
  if (in.IsObject()) {
    out->SetObject();
    for (auto it = in.MemberBegin(); it != in.MemberEnd(); ++it) {
      rapidjson::Value value;
      CopyEscaped(it->value, escape, alloc, &value);
      rapidjson::Value key = escaped_string(it->name);
      out->AddMember(key, value, alloc);
    }
  } else if (in.IsArray()) {
    out->SetArray();
    for (const rapidjson::Value& item : in.GetArray()) {
      rapidjson::Value value;
      CopyEscaped(item, escape, alloc, &value);
      out->PushBack(value, alloc);
    }
  } else if (in.IsString()) {
    *out = escaped_string(in);
  } else {
    out->CopyFrom(in, alloc);
  }
}

}  // namespace

rapidjson::Document ParseEnvelope(std::string_view json) {
  rapidjson::Document doc;
  if (!ParseJson(json, &doc).ok() || !doc.IsObject()) doc.SetObject();
  return doc;
}

std::string Field(const rapidjson::Value& envelope, const char* name) {
  if (!envelope.IsObject()) return "";
  auto it = envelope.FindMember(name);
  if (it == envelope.MemberEnd() || it->value.IsNull()) return "";
  if (it->value.IsString()) return std::string(it->value.GetString(), it->value.GetStringLength());
  return ToJson(it->value);
}

rapidjson::Document EscapedCopy(const rapidjson::Value& value,
                                std::string (*escape)(std::string_view)) {
  rapidjson::Document doc;
  CopyEscaped(value, escape, doc.GetAllocator(), &doc);
  return doc;
}

std::string HtmlEscape(std::string_view text) {
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
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string_view TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  while (max_bytes > 0 && (static_cast<unsigned char>(text[max_bytes]) & 0xC0) == 0x80) {
    --max_bytes;
  }
  return text.substr(0, max_bytes);
}

std::string_view TrimTrailingSlash(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

Verdict SuccessVerdict() { return Verdict{Verdict::Outcome::kSuccess, "", std::nullopt}; }

Verdict RetryVerdict(std::string error, std::optional<int64_t> retry_after_ms) {
  return Verdict{Verdict::Outcome::kRetry, std::move(error), retry_after_ms};
}

Verdict FailVerdict(std::string error) {
  return Verdict{Verdict::Outcome::kFail, std::move(error), std::nullopt};
}

std::optional<int64_t> RetryAfterMs(const TransportResult& result) {
  auto it = result.headers.find("retry-after");
  if (it == result.headers.end()) return std::nullopt;
  return ParseRetryAfterMs(it->second, static_cast<int64_t>(std::time(nullptr)));
}

std::string HttpError(const TransportResult& result) {
  std::string error = "HTTP " + std::to_string(result.status_code);
  std::string excerpt(TruncateUtf8(result.body, kErrorExcerpt));
  for (char& c : excerpt) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  size_t first = excerpt.find_first_not_of(' ');
  if (first == std::string::npos) return error;
  excerpt = excerpt.substr(first, excerpt.find_last_not_of(' ') - first + 1);
  return error + ": " + excerpt;
}

Verdict InterpretHttpStatus(const TransportResult& result) {
  if (!result.error.empty()) return RetryVerdict(result.error);
  const int status = result.status_code;
  if (status == 0) return RetryVerdict("no response");
  if (status >= 200 && status < 300) return SuccessVerdict();
  if (status == 410) {
    return Verdict{Verdict::Outcome::kDisable, "receiver answered 410 Gone", std::nullopt};
  }
  if (status == 429 || status == 503) return RetryVerdict(HttpError(result), RetryAfterMs(result));
  if (status >= 300 && status < 400) {
    return RetryVerdict("redirect not followed (status " + std::to_string(status) + ")");
  }
  return RetryVerdict(HttpError(result));
}

}  // namespace format_internal

Channel NoticeChannel(const Channel& channel) {
  Channel out = channel;
  if (auto* email = std::get_if<EmailChannel>(&out)) {
    email->subject_template = "[webhooks] {{ metadata.webhook_name }}: a channel was disabled";
    email->body_template = "{{ metadata.message }}\n";
    email->content_type = EmailContentType::kPlainText;
  } else if (auto* slack = std::get_if<SlackChannel>(&out)) {
    slack->blocks_template =
        R"([{"type":"section","text":{"type":"mrkdwn","text":"{{ metadata.message }}"}}])";
  } else if (auto* sms = std::get_if<SmsChannel>(&out)) {
    sms->message_template = "{{ metadata.message }}";
  }
  return out;
}

absl::StatusOr<Outbound> BuildRequest(const Channel& channel, const DeliveryContext& ctx,
                                      const ChannelEndpoints& endpoints) {
  if (ctx.notice) {
    DeliveryContext plain = ctx;
    plain.notice = false;
    return BuildRequest(NoticeChannel(channel), plain, endpoints);
  }
  return std::visit(
      [&](const auto& c) -> absl::StatusOr<Outbound> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, HttpChannel>) {
          return format_internal::BuildHttp(c, ctx);
        } else if constexpr (std::is_same_v<T, SlackChannel>) {
          return format_internal::BuildSlack(c, ctx, endpoints);
        } else if constexpr (std::is_same_v<T, EmailChannel>) {
          return format_internal::BuildEmail(c, ctx, endpoints);
        } else {
          return format_internal::BuildSms(c, ctx, endpoints);
        }
      },
      channel);
}

Verdict Interpret(const Channel& channel, const TransportResult& result) {
  return std::visit(
      [&](const auto& c) -> Verdict {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, HttpChannel>) {
          return format_internal::InterpretHttpStatus(result);
        } else if constexpr (std::is_same_v<T, SlackChannel>) {
          return format_internal::InterpretSlack(c, result);
        } else if constexpr (std::is_same_v<T, EmailChannel>) {
          return format_internal::InterpretEmail(result);
        } else {
          return format_internal::InterpretSms(result);
        }
      },
      channel);
}

}  // namespace webhooks
