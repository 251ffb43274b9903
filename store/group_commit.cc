#include "store/group_commit.h"

namespace webhooks {

absl::Status GroupCommit::Submit(const std::function<absl::Status(MDB_txn*)>& fn) {
  Item self{&fn, absl::UnknownError("not committed")};
  queue_.Submit(
      self,
      [this](const std::vector<Item*>& batch, const Item&) { return batch.size() < max_batch_; },
      runner_);
  return self.result;
}

}  // namespace webhooks
