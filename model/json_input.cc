#include "model/json_input.h"

#include <rapidjson/error/en.h>

namespace webhooks {
namespace {

// Depth of the deepest object/array in `text`, counting only brackets outside strings.
// Runs before the parser so that no later recursive walk (writer, destructor) can overflow.
// Returns the byte offset where kMaxJsonDepth is first exceeded, or npos.
size_t FindExcessiveNesting(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::string_view::npos;
}

}  // namespace

absl::Status ParseJson(std::string_view text, rapidjson::Document* doc) {
  // A raw NUL can only appear outside strings (JSON escapes control characters), where it is
  // invalid; RapidJSON would stop reading at it, so refuse it here.
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return absl::InvalidArgumentError("Malformed JSON: NUL byte at offset " + std::to_string(nul));
  }
  if (size_t at = FindExcessiveNesting(text); at != std::string_view::npos) {
    return absl::InvalidArgumentError("Malformed JSON: nesting deeper than " +
                                      std::to_string(kMaxJsonDepth) + " levels at offset " +
                                      std::to_string(at));
  }
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseFullPrecisionFlag;
  doc->Parse<kFlags>(text.data(), text.size());
  if (doc->HasParseError()) {
    return absl::InvalidArgumentError(std::string("Malformed JSON: ") +
                                      rapidjson::GetParseError_En(doc->GetParseError()) +
                                      " at offset " + std::to_string(doc->GetErrorOffset()));
  }
  return absl::OkStatus();
}

std::string StringMember(const rapidjson::Value& obj, const char* key) {
  auto it = obj.FindMember(key);
  return it != obj.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  value.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace webhooks
