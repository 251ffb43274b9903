// GuardResolver: the SSRF guard's DNS step off the dispatch thread, with its answer cache. (That
// a slow answer holds only its own endpoint is in notifier_core_test.cc.)
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "notifier/guard_resolver.h"

namespace webhooks {
namespace {

TEST(GuardResolverTest, CachesAnswersAndKeepsDnsFailuresBriefly) {
  std::atomic<int> calls{0};
  GuardResolver::Options options;
  options.failure_ttl = std::chrono::milliseconds(50);
  GuardResolver resolver(
      [&](const std::string& url) -> absl::StatusOr<std::string> {
        ++calls;
        if (url == "https://gone.example/") return absl::UnavailableError("no such name");
        if (url == "https://10.0.0.1/") return absl::PermissionDeniedError("refused");
        return std::string("8.8.8.8");
      },
      options);
  auto resolve = [&](const std::string& url) {
    std::promise<absl::StatusOr<std::string>> answer;
    resolver.Resolve(url, url, [&](absl::StatusOr<std::string> a) { answer.set_value(a); });
    return answer.get_future().get();
  };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*resolve("https://8.8.8.8/"), "8.8.8.8");
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(absl::IsPermissionDenied(resolve("https://10.0.0.1/").status()));
  }
  EXPECT_EQ(calls.load(), 2);  // refusals are cached like answers
  EXPECT_TRUE(absl::IsUnavailable(resolve("https://gone.example/").status()));
  EXPECT_TRUE(absl::IsUnavailable(resolve("https://gone.example/").status()));
  EXPECT_EQ(calls.load(), 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_TRUE(absl::IsUnavailable(resolve("https://gone.example/").status()));
  EXPECT_EQ(calls.load(), 4);  // a DNS failure is asked again after failure_ttl
}

}  // namespace
}  // namespace webhooks
