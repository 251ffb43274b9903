// Event types (model/event_types.h): the 31 names, the wildcard, and subscription masks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/event_types.h"

namespace webhooks {
namespace {

TEST(EventTypesTest, TheThirtyOneSpecNamesInOrder) {
  const std::vector<std::string_view> kExpected = {
      "object.created",
      "objects.created.batch",
      "object.updated",
      "object.deleted",
      "collection.created",
      "collection.updated",
      "collection.deleted",
      "collection.documents.written",
      "cluster.created",
      "cluster.updated",
      "cluster.deleted",
      "cluster.execution.started",
      "cluster.execution.completed",
      "cluster.execution.failed",
      "trigger.created",
      "trigger.updated",
      "trigger.deleted",
      "trigger.paused",
      "trigger.resumed",
      "trigger.fired",
      "trigger.execution.completed",
      "trigger.execution.failed",
      "taxonomy.created",
      "taxonomy.updated",
      "taxonomy.deleted",
      "alert.created",
      "alert.updated",
      "alert.deleted",
      "alert.triggered",
      "alert.execution.completed",
      "alert.execution.failed",
  };
  std::span<const std::string_view> all = AllEventTypes();
  ASSERT_EQ(all.size(), 31u);
  EXPECT_EQ(std::vector<std::string_view>(all.begin(), all.end()), kExpected);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(EventTypeIndex(all[i]), static_cast<int>(i)) << all[i];
    EXPECT_TRUE(IsSubscribableEventType(all[i])) << all[i];
  }
}

TEST(EventTypesTest, UnknownNames) {
  for (std::string_view bad : {"", "*", "object", "object.created ", "Object.Created",
                               "object.exploded", "objects.created", "alert.execution"}) {
    EXPECT_FALSE(EventTypeIndex(bad).has_value()) << bad;
  }
  EXPECT_TRUE(IsSubscribableEventType("*"));
  for (std::string_view bad : {"", "**", "object.*", " *", "object.exploded"}) {
    EXPECT_FALSE(IsSubscribableEventType(bad)) << bad;
  }
}

TEST(EventTypesTest, EventMask) {
  EXPECT_EQ(EventMask({}), 0u);
  EXPECT_EQ(EventMask({"object.created"}), 1u);
  EXPECT_EQ(EventMask({"objects.created.batch"}), 2u);
  EXPECT_EQ(EventMask({"alert.execution.failed"}), 1u << 30);
  EXPECT_EQ(EventMask({"*"}), 1u << 31);
  EXPECT_EQ(EventMask({"object.created", "alert.execution.failed", "object.created"}),
            1u | (1u << 30));
  EXPECT_EQ(EventMask({"object.updated", "no.such.event"}), 1u << 2);
  std::vector<std::string> every(AllEventTypes().begin(), AllEventTypes().end());
  EXPECT_EQ(EventMask(every), (1u << 31) - 1);
}

TEST(EventTypesTest, MaskReceivesAndReceivesAgree) {
  const std::vector<std::vector<std::string>> kSubscriptions = {
      {},
      {"*"},
      {"object.created"},
      {"trigger.fired", "alert.execution.failed"},
      {"cluster.execution.failed", "*"},
      {"collection.documents.written", "taxonomy.deleted", "objects.created.batch"},
  };
  std::span<const std::string_view> all = AllEventTypes();
  for (const std::vector<std::string>& subs : kSubscriptions) {
    uint32_t mask = EventMask(subs);
    bool wildcard = std::find(subs.begin(), subs.end(), "*") != subs.end();
    for (size_t i = 0; i < all.size(); ++i) {
      bool exact = std::find(subs.begin(), subs.end(), all[i]) != subs.end();
      EXPECT_EQ(Receives(subs, all[i]), wildcard || exact) << all[i];
      EXPECT_EQ(MaskReceives(mask, static_cast<int>(i)), wildcard || exact) << all[i];
    }
  }
}

TEST(EventTypesTest, WildcardReceivesEverything) {
  uint32_t mask = EventMask({"*"});
  for (int i = 0; i < 31; ++i) EXPECT_TRUE(MaskReceives(mask, i)) << i;
  EXPECT_TRUE(Receives({"*"}, "alert.triggered"));
  EXPECT_FALSE(Receives({"object.created"}, "object.updated"));
  EXPECT_FALSE(Receives({}, "object.created"));
  EXPECT_FALSE(MaskReceives(EventMask({"object.created"}), 1));
  EXPECT_TRUE(MaskReceives(EventMask({"object.created"}), 0));
}

}  // namespace
}  // namespace webhooks
