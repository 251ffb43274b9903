// docs/openapi.yaml must describe every route of the route table, with the same operationId.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fcgi/router.h"

namespace webhooks {
namespace {

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(c));
  return s;
}

// The text of `method`'s operation under `path` in the `paths:` map (two-space path keys,
// four-space method keys), or "" when the document does not have it.
std::string Operation(const std::vector<std::string>& lines, const std::string& path,
                      const std::string& method) {
  size_t i = 0;
  while (i < lines.size() && lines[i] != "  " + path + ":") ++i;
  for (++i;
       i < lines.size() && lines[i].rfind("  /", 0) != 0 && lines[i].rfind("components:", 0) != 0;
       ++i) {
    if (lines[i] != "    " + method + ":") continue;
    std::string body;
    for (++i; i < lines.size() && (lines[i].empty() || lines[i].rfind("      ", 0) == 0); ++i) {
      body += lines[i] + "\n";
    }
    return body;
  }
  return "";
}

TEST(OpenApiRoutesTest, EveryRouteIsDocumentedWithItsOperationId) {
  std::vector<std::string> lines = Lines(std::string(WH_SOURCE_DIR) + "/docs/openapi.yaml");
  ASSERT_FALSE(lines.empty());
  for (const Route& route : RouteTable()) {
    SCOPED_TRACE(std::string(route.method) + " " + route.pattern);
    std::string op = Operation(lines, route.pattern, Lower(route.method));
    ASSERT_FALSE(op.empty()) << "not in docs/openapi.yaml";
    EXPECT_NE(op.find(std::string("operationId: ") + route.operation_id), std::string::npos);
    bool public_route = op.find("security: []") != std::string::npos;
    EXPECT_EQ(public_route, !route.requires_auth);
  }
}

TEST(OpenApiRoutesTest, DetectsAMissingRoute) {
  std::vector<std::string> lines = Lines(std::string(WH_SOURCE_DIR) + "/docs/openapi.yaml");
  EXPECT_TRUE(Operation(lines, "/v1/organizations/webhooks/{identifier}", "patch").empty());
  EXPECT_TRUE(Operation(lines, "/v1/nothing", "get").empty());
}

}  // namespace
}  // namespace webhooks
