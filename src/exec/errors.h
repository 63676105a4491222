// src/exec/errors.h — every error reply text cairn sends, in one place, matching Redis 7.0 exactly.
// Texts are without the leading '-'. A text that takes a detail (a key, a number, the disk's
// error) is a prefix the caller completes: std::string(errors::kMisconfWal) + reason.
//
// ErrorText, at the end, is the one mapping from a failed store Status to its reply text.
#pragma once

#include <string_view>

#include "store/base/status.h"
#include "store/object.h"

namespace cairn::server::errors {

inline constexpr std::string_view kSyntax = "ERR syntax error";
// A key longer than an entry can hold (store::Entry::kMaxKeyLen); reachable only when
// proto-max-bulk-len allows bulk strings of 2 GB and more.
inline constexpr std::string_view kKeyTooLong = "ERR key is too long (at most 2147483647 bytes)";
inline constexpr std::string_view kNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kOverflow = "ERR increment or decrement would overflow";
inline constexpr std::string_view kNanOrInf = "ERR increment would produce NaN or Infinity";
inline constexpr std::string_view kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kNoSuchKey = "ERR no such key";
inline constexpr std::string_view kDbIndexRange = "ERR DB index is out of range";
inline constexpr std::string_view kInvalidDbIndex = "ERR invalid DB index";
inline constexpr std::string_view kNoAuth = "NOAUTH Authentication required.";
inline constexpr std::string_view kDebugNotAllowed =
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.";
inline constexpr std::string_view kModuleLoadFailed =
    "ERR Error loading the extension. Please check the server logs.";
inline constexpr std::string_view kNoSuchModule =
    "ERR Error unloading module: no such module with that name";
// SCRIPT DEBUG sessions (src/commands/script_debug_commands.cc).
inline constexpr std::string_view kDebugInPipeline =
    "ERR SCRIPT DEBUG must be called outside a pipeline";
inline constexpr std::string_view kDebugNeedsSocket =
    "ERR SCRIPT DEBUG needs a plain TCP or unix socket connection";
inline constexpr std::string_view kDebugCopyTooBig =
    "ERR not enough memory under maxmemory to copy the dataset for a debugging session (SCRIPT "
    "DEBUG SYNC debugs on the live data)";
inline constexpr std::string_view kDebugCopyBusy =
    "ERR a debugging session on a copy of the dataset is already running (one at a time; "
    "SCRIPT DEBUG SYNC debugs on the live data)";
inline constexpr std::string_view kDebugCopyFailed =
    "ERR can't copy the dataset to debug EVAL: ";
// DEBUG's subcommands (src/commands/debug_command.cc).
inline constexpr std::string_view kDebugReloadOptions =
    "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.";
inline constexpr std::string_view kDebugReloadFailed = "ERR Error trying to load the RDB dump";
inline constexpr std::string_view kDebugLoadAofFailed = "ERR Error trying to load the AOF";
inline constexpr std::string_view kDebugNoWal =
    "ERR DEBUG LOADAOF needs the WAL (appendonly yes): without it there is no log to load";
inline constexpr std::string_view kDebugLoadAofInExec =
    "ERR DEBUG LOADAOF is not allowed inside MULTI/EXEC";
inline constexpr std::string_view kDebugShardsBusy =
    "ERR DEBUG could not lock every key while another client held some; try again";
inline constexpr std::string_view kDebugPushResp2 = "ERR RESP2 is not supported by this command";
inline constexpr std::string_view kDebugProtocolType =
    "ERR Wrong protocol type name. Please use one of the following: "
    "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false";
inline constexpr std::string_view kDebugPackedThreshold =
    "ERR argument must be a memory value bigger than 1 and smaller than 4gb";
// Cluster mode (src/exec/cluster_routing.h, src/commands/cluster_node_commands.cc).
inline constexpr std::string_view kCrossSlot =
    "CROSSSLOT Keys in request don't hash to the same slot";
inline constexpr std::string_view kSlotNotServed = "CLUSTERDOWN Hash slot not served";
inline constexpr std::string_view kClusterDown = "CLUSTERDOWN The cluster is down";
inline constexpr std::string_view kClusterDownReadOnly =
    "CLUSTERDOWN The cluster is down and only accepts read commands";
inline constexpr std::string_view kSortByCluster = "ERR BY option of SORT denied in Cluster mode.";
inline constexpr std::string_view kSortGetCluster =
    "ERR GET option of SORT denied in Cluster mode.";
inline constexpr std::string_view kClusterOneNode =
    "ERR cairn's cluster mode has one node: it does not join other nodes or move slots to them";
inline constexpr std::string_view kClusterDisabled = "ERR This instance has cluster support disabled";
inline constexpr std::string_view kModuleNotAllowed =
    "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", "
    "you can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.";
inline constexpr std::string_view kWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kAuthNotConfigured =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr std::string_view kNoProto = "NOPROTO unsupported protocol version";
inline constexpr std::string_view kMaxClients = "ERR max number of clients reached";
inline constexpr std::string_view kStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr std::string_view kOffsetRange = "ERR offset is out of range";
inline constexpr std::string_view kSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kExpireOptions =
    "ERR NX and XX, GT or LT options at the same time are not compatible";
inline constexpr std::string_view kGtLtNx =
    "ERR GT, LT, and/or NX options at the same time are not compatible";
inline constexpr std::string_view kTimeout = "ERR timeout is not an integer or out of range";
inline constexpr std::string_view kFreqPolicy =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";
inline constexpr std::string_view kNoSuchClient = "ERR No such client";
inline constexpr std::string_view kClientNameSpaces =
    "ERR Client names cannot contain spaces, newlines or special characters.";
// Followed by the OS error text, e.g. "No space left on device" (Redis's AOF wording).
inline constexpr std::string_view kNoMatchingScript =
    "NOSCRIPT No matching script. Please use EVAL.";
inline constexpr std::string_view kBusyScript =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
inline constexpr std::string_view kMisconfWal = "MISCONF Errors writing to the AOF file: ";
inline constexpr std::string_view kBgsaveInProgress = "ERR Background save already in progress";
inline constexpr std::string_view kBgsaveOtherJob =
    "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE "
    "in order to schedule a BGSAVE whenever possible.";
inline constexpr std::string_view kRewriteInProgress =
    "ERR Background append only file rewriting already in progress";
inline constexpr std::string_view kNoPersistence = "ERR persistence is not available";
inline constexpr std::string_view kLoading = "LOADING Redis is loading the dataset in memory";
inline constexpr std::string_view kNoReplicas = "NOREPLICAS Not enough good replicas to write.";
inline constexpr std::string_view kReadOnlyReplica =
    "READONLY You can't write against a read only replica.";
inline constexpr std::string_view kMasterDown =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
// SYNC and PSYNC (src/commands/replication_commands.cc).
inline constexpr std::string_view kSyncWithPendingOutput =
    "ERR SYNC and PSYNC are invalid with pending output";
inline constexpr std::string_view kSyncWhileFailingOver =
    "NOMASTERLINK Can't SYNC while failing over";
inline constexpr std::string_view kSyncWithoutMasterLink =
    "NOMASTERLINK Can't SYNC while not connected with my master";
inline constexpr std::string_view kFilteredSyncWithoutEof =
    "ERR Filtered replica requires EOF capability";
inline constexpr std::string_view kFailoverPsyncToPrimary =
    "ERR PSYNC FAILOVER can't be sent to a master.";
inline constexpr std::string_view kFailoverPsyncReplid =
    "ERR PSYNC FAILOVER replid must match my replid.";
inline constexpr std::string_view kTimeoutNotFloat = "ERR timeout is not a float or out of range";
inline constexpr std::string_view kTimeoutNegative = "ERR timeout is negative";
inline constexpr std::string_view kTimeoutRange = "ERR timeout is out of range";
inline constexpr std::string_view kOom =
    "OOM command not allowed when used memory > 'maxmemory'.";
// Followed by the error that refused EXEC itself (kOom).
inline constexpr std::string_view kExecAbortBecause =
    "EXECABORT Transaction discarded because of: ";
inline constexpr std::string_view kMultiDisallowed = "ERR Command not allowed inside a transaction";
inline constexpr std::string_view kMultiNested = "ERR MULTI calls can not be nested";
inline constexpr std::string_view kExecWithoutMulti = "ERR EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMulti = "ERR DISCARD without MULTI";
inline constexpr std::string_view kExecAbort =
    "EXECABORT Transaction discarded because of previous errors.";
inline constexpr std::string_view kWatchInMulti = "ERR WATCH inside MULTI is not allowed";

// ---- bitmaps
inline constexpr std::string_view kBitOffset = "ERR bit offset is not an integer or out of range";
inline constexpr std::string_view kBitValue = "ERR bit is not an integer or out of range";
inline constexpr std::string_view kBitPosArg = "ERR The bit argument must be 1 or 0.";
inline constexpr std::string_view kBitOpNot =
    "ERR BITOP NOT must be called with a single source key.";
inline constexpr std::string_view kBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 "
    "is.";
inline constexpr std::string_view kBitfieldOverflow = "ERR Invalid OVERFLOW type specified";
inline constexpr std::string_view kBitfieldRoGetOnly =
    "ERR BITFIELD_RO only supports the GET subcommand";

// ---- SORT
inline constexpr std::string_view kSortNotDouble =
    "ERR One or more scores can't be converted into double";
// cairn's own: SORT ran inside a transaction holding only some shards and could not add the
// ones it needs (another client held one).
inline constexpr std::string_view kSortKeysBusy =
    "ERR SORT could not lock the keys it reads while another client held them";

// ---- hyperloglog
inline constexpr std::string_view kHllNotValid =
    "WRONGTYPE Key is not a valid HyperLogLog string value.";
inline constexpr std::string_view kHllCorrupt = "INVALIDOBJ Corrupted HLL object detected";
inline constexpr std::string_view kPfDebugNoKey = "ERR The specified key does not exist";
inline constexpr std::string_view kPfDebugNotSparse = "ERR HLL encoding is not sparse";
// Followed by the subcommand as sent and "'".
inline constexpr std::string_view kPfDebugUnknown = "ERR Unknown PFDEBUG subcommand '";
// Followed by what failed ("Register 7 should be 3 but is 0").
inline constexpr std::string_view kPfSelfTestFailed = "TESTFAILED ";

// ---- shared by the collection families
inline constexpr std::string_view kValueRange = "ERR value is out of range";
// HRANDFIELD / ZRANDMEMBER / SRANDMEMBER counts that cannot be negated.
inline constexpr std::string_view kRandCountRange =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";
inline constexpr std::string_view kInvalidCursor = "ERR invalid cursor";

// ---- hash
inline constexpr std::string_view kHashNotInteger = "ERR hash value is not an integer";
inline constexpr std::string_view kHashNotFloat = "ERR hash value is not a float";
inline constexpr std::string_view kHashIncrNanOrInf = "ERR value is NaN or Infinity";

// ---- sorted sets
inline constexpr std::string_view kZAddXxNx =
    "ERR XX and NX options at the same time are not compatible";
inline constexpr std::string_view kZAddIncrPair =
    "ERR INCR option supports a single increment-element pair";
inline constexpr std::string_view kZScoreNaN = "ERR resulting score is not a number (NaN)";
inline constexpr std::string_view kZMinMaxFloat = "ERR min or max is not a float";
inline constexpr std::string_view kZMinMaxLex = "ERR min or max not valid string range item";
inline constexpr std::string_view kZLimitNeedsBy =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
inline constexpr std::string_view kZWithScoresByLex =
    "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
inline constexpr std::string_view kZWeightFloat = "ERR weight value is not a float";
inline constexpr std::string_view kNumKeysPositive = "ERR numkeys should be greater than 0";
inline constexpr std::string_view kZCountPositive = "ERR count should be greater than 0";
inline constexpr std::string_view kLimitNegative = "ERR LIMIT can't be negative";
inline constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";
// Followed by the command name and "' command".
inline constexpr std::string_view kZNeedInputKey = "ERR at least 1 input key is needed for '";

// ---- geo (COUNT's "must be > 0" is kStreamCountPositive)
inline constexpr std::string_view kGeoUnit =
    "ERR unsupported unit provided. please use M, KM, FT, MI";
// Followed by the pair as "%f,%f".
inline constexpr std::string_view kGeoInvalidPair = "ERR invalid longitude,latitude pair ";
inline constexpr std::string_view kGeoNeedRadius = "ERR need numeric radius";
inline constexpr std::string_view kGeoRadiusNegative = "ERR radius cannot be negative";
inline constexpr std::string_view kGeoNeedWidth = "ERR need numeric width";
inline constexpr std::string_view kGeoNeedHeight = "ERR need numeric height";
inline constexpr std::string_view kGeoBoxNegative = "ERR height or width cannot be negative";
inline constexpr std::string_view kGeoNoMember = "ERR could not decode requested zset member";
inline constexpr std::string_view kGeoAnyNeedsCount = "ERR the ANY argument requires COUNT argument";
inline constexpr std::string_view kGeoRadiusStoreWith =
    "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
    "options";
inline constexpr std::string_view kGeoSearchStoreWith =
    "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options";
// Each followed by the command name as sent.
inline constexpr std::string_view kGeoNeedFrom =
    "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ";
inline constexpr std::string_view kGeoNeedBy =
    "ERR exactly one of BYRADIUS and BYBOX can be specified for ";

// ---- sets
inline constexpr std::string_view kNumKeysTooMany =
    "ERR Number of keys can't be greater than number of args";

// ---- stream
inline constexpr std::string_view kStreamInvalidId =
    "ERR Invalid stream ID specified as stream command argument";
inline constexpr std::string_view kStreamIdTooSmall =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
inline constexpr std::string_view kStreamIdZero =
    "ERR The ID specified in XADD must be greater than 0-0";
inline constexpr std::string_view kStreamExhausted =
    "ERR The stream has exhausted the last possible ID, unable to add more items";
inline constexpr std::string_view kStreamLimitNoTilde =
    "ERR syntax error, LIMIT cannot be used without the special ~ option";
inline constexpr std::string_view kStreamMaxlenAndMinid =
    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible";
inline constexpr std::string_view kStreamXTrimNoStrategy =
    "ERR syntax error, XTRIM must be called with a trimming strategy";
inline constexpr std::string_view kStreamLimitNoStrategy =
    "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy";
inline constexpr std::string_view kStreamMaxlenNegative = "ERR The MAXLEN argument must be >= 0.";
inline constexpr std::string_view kStreamLimitNegative = "ERR The LIMIT argument must be >= 0.";
inline constexpr std::string_view kStreamInvalidStart = "ERR invalid start ID for the interval";
inline constexpr std::string_view kStreamInvalidEnd = "ERR invalid end ID for the interval";
inline constexpr std::string_view kStreamGtOnlyInGroup =
    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
    "<consumer> option.";
inline constexpr std::string_view kStreamDollarInGroup =
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of "
    "this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID "
    "would just return an empty result set.";
inline constexpr std::string_view kStreamBusyGroup = "BUSYGROUP Consumer Group name already exists";
inline constexpr std::string_view kStreamXgroupNoKey =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
    "use the MKSTREAM option to create an empty stream automatically.";
inline constexpr std::string_view kStreamMinIdle =
    "ERR Invalid min-idle-time argument for XCLAIM";
inline constexpr std::string_view kStreamCountPositive = "ERR COUNT must be > 0";
inline constexpr std::string_view kStreamEntriesRead =
    "ERR value for ENTRIESREAD must be positive or -1";
// Followed by "'<key>' or consumer group '<group>'" (and " in XREADGROUP with GROUP option").
inline constexpr std::string_view kStreamNoGroupPrefix = "NOGROUP No such key ";
// A blocked XREADGROUP whose stream was deleted (or re-created as another type), or whose
// group was destroyed, while it waited.
inline constexpr std::string_view kStreamKeyGone = "UNBLOCKED the stream key no longer exists";
inline constexpr std::string_view kStreamGroupGone =
    "NOGROUP the consumer group this client was blocked on no longer exists";
inline constexpr std::string_view kStreamXAutoClaimMinIdle =
    "ERR Invalid min-idle-time argument for XAUTOCLAIM";
inline constexpr std::string_view kStreamEntriesAddedNegative =
    "ERR entries_added must be positive";
inline constexpr std::string_view kStreamSetIdBelowMaxDeleted =
    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id";
inline constexpr std::string_view kStreamSetIdBelowTop =
    "ERR The ID specified in XSETID is smaller than the target stream top item";
inline constexpr std::string_view kStreamSetIdBelowLength =
    "ERR The entries_added specified in XSETID is smaller than the target stream length";
// Redis 7.0 says XREAD and '$' for XREADGROUP too.
inline constexpr std::string_view kStreamXReadUnbalanced =
    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
inline constexpr std::string_view kStreamGroupOnlyInGroupRead =
    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.";
inline constexpr std::string_view kStreamMissingGroup = "ERR Missing GROUP option for XREADGROUP";
inline constexpr std::string_view kStreamNoAckOnlyInGroupRead =
    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.";

// ---- list (numkeys, count and pop-count texts are the shared ones above)
inline constexpr std::string_view kIndexRange = "ERR index out of range";
inline constexpr std::string_view kLposRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
inline constexpr std::string_view kLposCountNegative = "ERR COUNT can't be negative";
inline constexpr std::string_view kLposMaxlenNegative = "ERR MAXLEN can't be negative";

// ---- store results
// A store code no command is expected to meet (a bug, not a user error).
inline constexpr std::string_view kStoreFailure = "ERR internal error";

// The reply text of a failed store status, in the wording of the family that failed: the
// same code reads "value is not an integer or out of range" for a string and "hash value is
// not an integer" for a hash field, as in Redis.
constexpr std::string_view ErrorText(Code code,
                                     store::ValueType family = store::ValueType::kString) {
  using store::ValueType;
  switch (code) {
    case Code::kWrongType:
      return kWrongType;
    case Code::kNotInteger:
      return family == ValueType::kHash ? kHashNotInteger : kNotInteger;
    case Code::kNotFloat:
      return family == ValueType::kHash ? kHashNotFloat : kNotFloat;
    case Code::kOverflow:
      return kOverflow;
    case Code::kNaN:
      return family == ValueType::kZSet ? kZScoreNaN : kNanOrInf;
    case Code::kTooLarge:
      return kStringTooLong;
    default:
      return kStoreFailure;
  }
}

}  // namespace cairn::server::errors
