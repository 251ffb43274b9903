// The precompiled header of the test binaries (tests/CMakeLists.txt): third-party and standard
// headers only, so that a test file still has to include the project headers it uses.
#ifndef WEBHOOKS_TESTS_TEST_PCH_H_
#define WEBHOOKS_TESTS_TEST_PCH_H_

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#endif  // WEBHOOKS_TESTS_TEST_PCH_H_
