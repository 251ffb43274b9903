#include "model/json_path.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace webhooks {
namespace {

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

std::optional<size_t> ParseIndex(std::string_view segment) {
  if (segment.empty() || segment.size() > 9) return std::nullopt;
  size_t index = 0;
  auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
  if (ec != std::errc() || end != segment.data() + segment.size()) return std::nullopt;
  return index;
}

}  // namespace

bool IsValidJsonPath(std::string_view path) {
  if (path.empty() || path.size() > kMaxJsonPath) return false;
  if (path.front() == '.' || path.back() == '.') return false;
  if (path.find("..") != std::string_view::npos) return false;
  return std::all_of(path.begin(), path.end(), IsPathChar);
}

const rapidjson::Value* LookupJsonPath(const rapidjson::Value& root, std::string_view path) {
  const rapidjson::Value* v = &root;
  while (true) {
    size_t dot = path.find('.');
    std::string_view segment = path.substr(0, dot);
    if (v->IsObject()) {
      auto it =
          v->FindMember(rapidjson::Value(rapidjson::StringRef(segment.data(), segment.size())));
      if (it == v->MemberEnd()) return nullptr;
      v = &it->value;
    } else if (v->IsArray()) {
      std::optional<size_t> index = ParseIndex(segment);
      if (!index || *index >= v->Size()) return nullptr;
      v = &(*v)[static_cast<rapidjson::SizeType>(*index)];
    } else {
      return nullptr;
    }
    if (dot == std::string_view::npos) return v;
    path.remove_prefix(dot + 1);
  }
}

}  // namespace webhooks
