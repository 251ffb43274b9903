#include "model/template.h"

#include <algorithm>
#include <cstddef>
#include <optional>

#include "model/json_input.h"
#include "model/json_path.h"

namespace webhooks {
namespace {

// Rendered output never grows past this; the rest is cut (at a UTF-8 boundary).
constexpr size_t kMaxOutput = size_t{1} << 20;
// Whitespace allowed around a path inside "{{ }}".
constexpr size_t kMaxPadding = 32;

std::string_view TrimSpaces(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

struct Placeholder {
  size_t length;  // of the whole token, braces included
  std::string_view path;
};

// The placeholder starting at text[i] (which is '{'), if one does.
std::optional<Placeholder> MatchPlaceholder(std::string_view text, size_t i) {
  std::string_view rest = text.substr(i);
  if (rest.starts_with("{{")) {
    std::string_view window = rest.substr(2, kMaxJsonPath + 2 * kMaxPadding + 2);
    size_t close = window.find("}}");
    if (close != std::string_view::npos) {
      std::string_view path = TrimSpaces(window.substr(0, close));
      if (IsValidJsonPath(path)) return Placeholder{close + 4, path};
    }
  }
  std::string_view window = rest.substr(1, kMaxJsonPath + 1);
  size_t close = window.find('}');
  if (close != std::string_view::npos && IsValidJsonPath(window.substr(0, close))) {
    return Placeholder{close + 2, window.substr(0, close)};
  }
  return std::nullopt;
}

// Appends `piece` to `out` without passing `limit` bytes; false once the limit cut it.
bool Append(std::string_view piece, size_t limit, std::string* out) {
  if (out->size() + piece.size() <= limit) {
    out->append(piece);
    return true;
  }
  size_t room = limit - std::min(limit, out->size());
  while (room > 0 && (static_cast<unsigned char>(piece[room]) & 0xC0) == 0x80) --room;
  out->append(piece.substr(0, room));
  return false;
}

std::string ValueText(const rapidjson::Value& v) {
  if (v.IsNull()) return "";  // an unset envelope field reads like a missing one
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  return ToJson(v);
}

std::string RenderWithLimit(std::string_view text, const rapidjson::Value& envelope, size_t limit) {
  std::string out;
  size_t literal_start = 0;
  size_t i = 0;
  while ((i = text.find('{', i)) != std::string_view::npos) {
    std::optional<Placeholder> p = MatchPlaceholder(text, i);
    if (!p) {
      ++i;
      continue;
    }
    if (!Append(text.substr(literal_start, i - literal_start), limit, &out)) return out;
    if (const rapidjson::Value* v = LookupJsonPath(envelope, p->path)) {
      if (!Append(ValueText(*v), limit, &out)) return out;
    }
    i += p->length;
    literal_start = i;
  }
  Append(text.substr(literal_start), limit, &out);
  return out;
}

// Walks a parsed JSON template, rendering its strings; tracks an output budget so that
// repeated whole-value placeholders cannot blow up the result.
class JsonTemplateRenderer {
 public:
  JsonTemplateRenderer(const rapidjson::Value& envelope, rapidjson::Document::AllocatorType& alloc)
      : envelope_(envelope), alloc_(alloc) {}

  void Render(const rapidjson::Value& in, rapidjson::Value* out) {
    if (in.IsObject()) {
      out->SetObject();
      for (auto it = in.MemberBegin(); it != in.MemberEnd(); ++it) {
        Charge(it->name.GetStringLength() + 4);
        rapidjson::Value key(it->name, alloc_);
        rapidjson::Value value;
        Render(it->value, &value);
        out->AddMember(key, value, alloc_);
      }
    } else if (in.IsArray()) {
      out->SetArray();
      for (const rapidjson::Value& item : in.GetArray()) {
        rapidjson::Value value;
        Render(item, &value);
        out->PushBack(value, alloc_);
      }
    } else if (in.IsString()) {
      RenderString(std::string_view(in.GetString(), in.GetStringLength()), out);
    } else {
      out->CopyFrom(in, alloc_);
    }
  }

 private:
  void RenderString(std::string_view text, rapidjson::Value* out) {
    std::optional<Placeholder> p;
    if (!text.empty() && text.front() == '{') p = MatchPlaceholder(text, 0);
    if (p && p->length == text.size()) {
      const rapidjson::Value* v = LookupJsonPath(envelope_, p->path);
      if (v == nullptr) {
        out->SetNull();
        return;
      }
      size_t size = v->IsString() ? v->GetStringLength() : ToJson(*v).size();
      if (size > budget_) {
        out->SetNull();  // over budget: the value is dropped, the structure kept
        return;
      }
      Charge(size);
      out->CopyFrom(*v, alloc_);
      return;
    }
    std::string rendered = RenderWithLimit(text, envelope_, budget_);
    Charge(rendered.size());
    out->SetString(rendered.data(), static_cast<rapidjson::SizeType>(rendered.size()), alloc_);
  }

  void Charge(size_t n) { budget_ -= std::min(budget_, n); }

  const rapidjson::Value& envelope_;
  rapidjson::Document::AllocatorType& alloc_;
  size_t budget_ = kMaxOutput;
};

}  // namespace

std::string RenderTemplate(std::string_view text, const rapidjson::Value& envelope) {
  return RenderWithLimit(text, envelope, kMaxOutput);
}

std::string RenderJsonTemplate(std::string_view json_template, const rapidjson::Value& envelope) {
  rapidjson::Document tmpl;
  if (!ParseJson(json_template, &tmpl).ok()) return std::string(json_template);
  rapidjson::Document out;
  JsonTemplateRenderer renderer(envelope, out.GetAllocator());
  renderer.Render(tmpl, &out);
  return ToJson(out);
}

}  // namespace webhooks
