// The e-mail channel: one RFC 5322 message (single part, base64 body) submitted over SMTP.
#include <cmark.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "model/json_input.h"
#include "model/template.h"
#include "notifier/format_internal.h"

namespace webhooks::format_internal {
namespace {

constexpr size_t kMaxSubjectBytes = 900;  // keeps "Subject: ..." within RFC 5322's 998
constexpr size_t kEncodedWordInput = 45;  // 60 base64 chars: "=?UTF-8?B?...?=" is 72 <= 75

// Header values never carry CR, LF or other control characters: they become spaces.
std::string HeaderSafe(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

// "Name <a@b>" -> "a@b"; a bare address is returned as is.
std::string BareAddress(std::string_view from) {
  size_t open = from.rfind('<');
  size_t close = from.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(from.substr(open + 1, close - open - 1));
  }
  return std::string(from);
}

// "Name: a, b, ..." folded before lines pass 78 characters.
std::string AddressHeader(std::string_view name, const std::vector<std::string>& addresses) {
  std::string out = std::string(name) + ": ";
  size_t line_length = out.size();
  for (size_t i = 0; i < addresses.size(); ++i) {
    std::string address = HeaderSafe(addresses[i]);
    if (i > 0) {
      bool fold = line_length + 2 + address.size() + 1 > 78;  // +1: a comma may follow
      out += fold ? ",\r\n " : ", ";
      line_length = fold ? 1 : line_length + 2;
    }
    out += address;
    line_length += address.size();
  }
  return out + "\r\n";
}

// Characters allowed in a Message-ID's dot-atom (RFC 5322 atext and '.').
std::string MessageIdPart(std::string_view text) {
  static constexpr std::string_view kAtextSymbols = "!#$%&'*+-/=?^_`{|}~.";
  std::string out;
  for (char c : text) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || kAtextSymbols.find(c) != std::string_view::npos) out.push_back(c);
  }
  return out.empty() ? "x" : out;
}

// Bare LF (and lone CR) become CRLF: the canonical form of text/* before base64.
std::string CrlfLines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// The envelope's non-null members, in order, as (name, text) pairs.
std::vector<std::pair<std::string, std::string>> EnvelopeRows(const rapidjson::Value& env) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (auto it = env.MemberBegin(); it != env.MemberEnd(); ++it) {
    if (it->value.IsNull()) continue;
    std::string name(it->name.GetString(), it->name.GetStringLength());
    rows.emplace_back(name, Field(env, name.c_str()));
  }
  return rows;
}

std::string DefaultPlainBody(const rapidjson::Value& env) {
  std::string out = "Event " + Field(env, "event_type") + "\n\n";
  for (const auto& [name, value] : EnvelopeRows(env)) out += name + ": " + value + "\n";
  return out;
}

std::string DefaultHtmlBody(const rapidjson::Value& env) {
  const std::string type = HtmlEscape(Field(env, "event_type"));
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + type +
                    "</title></head>\n<body>\n<h1>" + type + "</h1>\n<table>\n";
  for (const auto& [name, value] : EnvelopeRows(env)) {
    out += "<tr><th align=\"left\">" + HtmlEscape(name) + "</th><td>" + HtmlEscape(value) +
           "</td></tr>\n";
  }
  return out + "</table>\n</body></html>\n";
}

std::string DefaultMarkdownBody(const rapidjson::Value& env) {
  std::string out = "# " + HtmlEscape(Field(env, "event_type")) + "\n\n";
  for (const auto& [name, value] : EnvelopeRows(env)) {
    out += "- **" + HtmlEscape(name) + "**: " + HtmlEscape(value) + "\n";
  }
  return out;
}

// CommonMark to HTML. cmark >= 0.29 renders safely by default (raw HTML replaced by a comment,
// javascript:/vbscript:/file: and most data: links dropped); CMARK_OPT_SAFE asks older
// versions for the same. CMARK_OPT_UNSAFE is never passed.
std::string MarkdownToHtml(std::string_view markdown) {
  std::unique_ptr<char, decltype(&std::free)> html(
      cmark_markdown_to_html(markdown.data(), markdown.size(),
                             CMARK_OPT_DEFAULT | CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8),
      &std::free);
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n" +
         std::string(html ? html.get() : "") + "</body></html>\n";
}

struct Body {
  std::string content_type;
  std::string text;
};

// Templates see values escaped for the output format (HTML-escaped for html and markdown), so
// producer-supplied text cannot inject markup; the template itself is taken as written.
Body RenderBody(const EmailChannel& c, const DeliveryContext& ctx, const rapidjson::Value& env) {
  const std::optional<std::string>& tmpl = c.body_template;
  switch (c.content_type) {
    case EmailContentType::kPlainText:
      return {"text/plain; charset=utf-8",
              CrlfLines(tmpl ? RenderTemplate(*tmpl, env) : DefaultPlainBody(env))};
    case EmailContentType::kHtml:
      return {"text/html; charset=utf-8",
              CrlfLines(tmpl ? RenderTemplate(*tmpl, EscapedCopy(env, HtmlEscape))
                             : DefaultHtmlBody(env))};
    case EmailContentType::kMarkdown:
      return {"text/html; charset=utf-8",
              CrlfLines(MarkdownToHtml(tmpl ? RenderTemplate(*tmpl, EscapedCopy(env, HtmlEscape))
                                            : DefaultMarkdownBody(env)))};
    case EmailContentType::kJson: {
      if (!tmpl) return {"application/json", ctx.envelope_json};
      rapidjson::Document parsed;
      if (ParseJson(*tmpl, &parsed).ok()) {
        return {"application/json", RenderJsonTemplate(*tmpl, env)};
      }
      return {"application/json", RenderTemplate(*tmpl, env)};
    }
  }
  return {"text/plain; charset=utf-8", ""};
}

std::string Subject(const EmailChannel& c, const rapidjson::Value& env) {
  std::string subject =
      c.subject_template ? RenderTemplate(*c.subject_template, env)
                         : "[webhooks] " + Field(env, "event_type") + " " + Field(env, "event_id");
  return std::string(TruncateUtf8(HeaderSafe(subject), kMaxSubjectBytes));
}

}  // namespace

std::string EncodeHeaderText(std::string_view text) {
  bool plain = text.find("=?") == std::string_view::npos;
  for (char c : text) plain = plain && c >= 0x20 && c < 0x7f;
  if (plain) return std::string(text);
  std::string out;
  while (!text.empty()) {
    std::string_view chunk = TruncateUtf8(text, kEncodedWordInput);
    if (chunk.empty()) chunk = text.substr(0, 1);  // malformed UTF-8: take a byte
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64Encode(chunk) + "?=";
    text.remove_prefix(chunk.size());
  }
  return out;
}

std::string Rfc5322Date(int64_t unix_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string Base64Lines(std::string_view bytes) {
  const std::string encoded = Base64Encode(bytes);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 38 + 2);
  for (size_t i = 0; i < encoded.size(); i += 76) {
    out.append(encoded, i, 76);
    out += "\r\n";
  }
  return out;
}

absl::StatusOr<Outbound> BuildEmail(const EmailChannel& channel, const DeliveryContext& ctx,
                                    const ChannelEndpoints& endpoints) {
  if (endpoints.smtp_url.empty()) return absl::InvalidArgumentError("email needs --smtp-url");
  if (endpoints.smtp_from.empty()) return absl::InvalidArgumentError("email needs --smtp-from");
  if (HeaderSafe(endpoints.smtp_from) != endpoints.smtp_from) {
    return absl::InvalidArgumentError("--smtp-from contains control characters");
  }
  if (channel.to_addresses.empty()) return absl::InvalidArgumentError("email has no recipients");
  for (const auto* list : {&channel.to_addresses, &channel.cc_addresses, &channel.bcc_addresses}) {
    for (const std::string& address : *list) {
      if (HeaderSafe(address) != address) {
        return absl::InvalidArgumentError("email address contains control characters");
      }
    }
  }
  rapidjson::Document env = ParseEnvelope(ctx.envelope_json);
  OutboundMail mail;
  mail.smtp_url = endpoints.smtp_url;
  mail.from = BareAddress(endpoints.smtp_from);
  for (const auto* list : {&channel.to_addresses, &channel.cc_addresses, &channel.bcc_addresses}) {
    for (const std::string& address : *list) mail.recipients.push_back(BareAddress(address));
  }
  const int64_t now = ctx.timestamp_s > 0 ? ctx.timestamp_s : std::time(nullptr);
  const Body body = RenderBody(channel, ctx, env);
  std::string& m = mail.message;
  m = "From: " + HeaderSafe(endpoints.smtp_from) + "\r\n";
  m += AddressHeader("To", channel.to_addresses);
  if (!channel.cc_addresses.empty()) m += AddressHeader("Cc", channel.cc_addresses);
  m += "Subject: " + EncodeHeaderText(Subject(channel, env)) + "\r\n";
  m += "Date: " + Rfc5322Date(now) + "\r\n";
  m += "Message-ID: <" + MessageIdPart(ctx.delivery_id) + "@" +
       MessageIdPart(endpoints.mail_domain) + ">\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: " + body.content_type + "\r\n";
  m += "Content-Transfer-Encoding: base64\r\n\r\n";
  m += Base64Lines(body.text);
  return Outbound(std::move(mail));
}

Verdict InterpretEmail(const TransportResult& result) {
  const int code = result.status_code;
  auto smtp_error = [&] {
    std::string error = "SMTP " + std::to_string(code);
    if (!result.error.empty()) return error + ": " + result.error;
    std::string http = HttpError(result);  // "HTTP <code>[: excerpt]"
    size_t colon = http.find(": ");
    return colon == std::string::npos ? error : error + http.substr(colon);
  };
  if (code >= 200 && code < 300 && result.error.empty()) return SuccessVerdict();
  if (code >= 500 && code < 600) return FailVerdict(smtp_error());
  if (code >= 400 && code < 500) return RetryVerdict(smtp_error());
  if (code == 0) return RetryVerdict(result.error.empty() ? "no SMTP reply" : result.error);
  return RetryVerdict(smtp_error());
}

}  // namespace webhooks::format_internal
