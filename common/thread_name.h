// Names the calling thread, as `top -H`, `ps -L`, perf and gdb show it (Linux: at most 15
// characters are kept). The process's main thread is left alone: its name is the process name
// that tools such as pkill and systemd's status match.
#ifndef WEBHOOKS_COMMON_THREAD_NAME_H_
#define WEBHOOKS_COMMON_THREAD_NAME_H_

#include <pthread.h>

#include <string>

namespace webhooks {

inline void NameThisThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());  // best effort
}

}  // namespace webhooks

#endif  // WEBHOOKS_COMMON_THREAD_NAME_H_
