// store/thread_hook.h — the threads the store starts itself (the WAL's commit thread, the
// lazy-free thread) call this hook first thing, so that the server can name them and place
// them on CPUs (bio_cpulist) without the store knowing its configuration.
//
// Threading: SetStoreThreadHook once at startup, before any store thread starts;
// EnterStoreThread on the thread that starts.
#pragma once

#include <cstdint>

namespace cairn::store {

enum class StoreThread : uint8_t { kWalCommit, kLazyFree };

using StoreThreadHook = void (*)(StoreThread which);

// nullptr (the default): the threads keep their defaults.
void SetStoreThreadHook(StoreThreadHook hook);
void EnterStoreThread(StoreThread which);

}  // namespace cairn::store
