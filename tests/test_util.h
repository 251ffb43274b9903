// Helpers shared by the test suites.
#ifndef WEBHOOKS_TESTS_TEST_UTIL_H_
#define WEBHOOKS_TESTS_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "absl/status/status.h"

#define ASSERT_OK(expr)                            \
  do {                                             \
    const ::absl::Status _st = (expr);             \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st; \
  } while (0)
#define EXPECT_OK(expr)                            \
  do {                                             \
    const ::absl::Status _st = (expr);             \
    EXPECT_TRUE(_st.ok()) << #expr << ": " << _st; \
  } while (0)

namespace webhooks {

// Two organizations' internal ids, for tests of per-organization separation.
inline constexpr char kOrgA[] = "int_AAAAAAAAAAAAAAAAAAAAAAAA";
inline constexpr char kOrgB[] = "int_BBBBBBBBBBBBBBBBBBBBBBBB";

}  // namespace webhooks

namespace webhooks::testing {

// A fresh directory under $TMPDIR (or /tmp), removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "whtest.XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace webhooks::testing

#endif  // WEBHOOKS_TESTS_TEST_UTIL_H_
