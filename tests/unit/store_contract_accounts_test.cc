// The store contract for accounts: organizations and API keys.
#include <gtest/gtest.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "store/store.h"
#include "tests/test_util.h"
#include "tests/unit/store_contract_fixture.h"

namespace webhooks {
namespace {

TYPED_TEST(StoreContractTest, OrganizationsCreateGetListAndDuplicate) {
  Organization b{kOrgB, "Org B", "2025-01-02T00:00:00Z"};
  Organization a{kOrgA, "Org A", "2025-01-01T00:00:00Z"};
  ASSERT_OK(this->store().CreateOrganization(b));
  ASSERT_OK(this->store().CreateOrganization(a));

  absl::StatusOr<Organization> got = this->store().GetOrganization(kOrgA);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, a);
  EXPECT_TRUE(absl::IsNotFound(this->store().GetOrganization(kNoOrg).status()));

  Organization dup{kOrgA, "Another name", "2025-02-01T00:00:00Z"};
  EXPECT_TRUE(absl::IsAlreadyExists(this->store().CreateOrganization(dup)));
  got = this->store().GetOrganization(kOrgA);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "Org A");  // the duplicate did not overwrite

  absl::StatusOr<std::vector<Organization>> all = this->store().ListOrganizations();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, (std::vector<Organization>{a, b}));  // ordered by internal_id
}

TYPED_TEST(StoreContractTest, ApiKeys) {
  this->CreateOrgs();
  ApiKeyRecord key{Sha256("sk_live_one"), kOrgA, "sk_live_abc123", "2025-01-01T00:00:00Z"};
  ApiKeyRecord orphan{Sha256("sk_live_orphan"), kNoOrg, "sk_live_orphan", "2025-01-01T00:00:00Z"};
  EXPECT_TRUE(absl::IsNotFound(this->store().AddApiKey(orphan)));
  EXPECT_TRUE(absl::IsNotFound(this->store().FindApiKey(orphan.key_hash).status()));

  ASSERT_OK(this->store().AddApiKey(key));
  absl::StatusOr<ApiKeyRecord> found = this->store().FindApiKey(Sha256("sk_live_one"));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, key);
  EXPECT_TRUE(absl::IsNotFound(this->store().FindApiKey(Sha256("sk_live_two")).status()));

  ApiKeyRecord same_hash{key.key_hash, kOrgB, "sk_live_xxxxxx", "2025-01-02T00:00:00Z"};
  EXPECT_TRUE(absl::IsAlreadyExists(this->store().AddApiKey(same_hash)));
  found = this->store().FindApiKey(key.key_hash);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->internal_id, kOrgA);
}

}  // namespace
}  // namespace webhooks
