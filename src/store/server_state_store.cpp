#include "drover/store/server_state_store.hpp"

#include <array>
#include <map>
#include <unordered_map>
#include <variant>
#include <vector>

#include "drover/lwm2m/formats/link_format.hpp"
#include "sqlite.hpp"
#include "writer.hpp"

namespace drover::store {

using server::OperationId;
using server::PersistedObservation;
using server::PersistedOperation;
using server::PersistedRequest;
using server::Registration;

namespace {

// Schema versions: each step takes the database from the version before to its own.
constexpr std::string_view kSchema[] = {
    // 1
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE object_lists (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);"
    "CREATE TABLE registrations ("
    "  location TEXT PRIMARY KEY, endpoint TEXT NOT NULL, peer BLOB NOT NULL,"
    "  identity TEXT, version TEXT NOT NULL, lifetime INTEGER NOT NULL, binding TEXT NOT NULL,"
    "  queue_mode INTEGER NOT NULL, sms TEXT, objects INTEGER NOT NULL REFERENCES object_lists,"
    "  registered_at REAL NOT NULL, updated_at REAL NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE observations ("
    "  id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL, location TEXT NOT NULL,"
    "  kind TEXT NOT NULL, path TEXT NOT NULL, accept INTEGER, peer BLOB NOT NULL,"
    "  request BLOB NOT NULL);"
    "CREATE TABLE queued ("
    "  id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL, location TEXT NOT NULL,"
    "  kind TEXT NOT NULL, path TEXT NOT NULL, accept INTEGER, timeout_ms INTEGER NOT NULL,"
    "  deadline REAL NOT NULL, request BLOB NOT NULL);",
};

// Changes, as the server's thread hands them to the writer.
struct Renewal {
  std::string location;
  coap::TimePoint updated_at;
  coap::PeerAddress peer;
};
struct RegistrationRemoval {
  std::string location;
};
struct ObservationRemoval {
  OperationId id;
};
struct RequestRemoval {
  OperationId id;
};
struct IdsReserved {
  std::uint64_t next = 0;
};
using Change = std::variant<Registration, Renewal, RegistrationRemoval, PersistedObservation,
                            ObservationRemoval, PersistedRequest, RequestRemoval, IdsReserved>;

std::pair<coap::TimePoint, double> system_clocks() {
  const auto steady = coap::Clock::now();
  const auto wall = std::chrono::system_clock::now().time_since_epoch();
  return {steady, std::chrono::duration<double>(wall).count()};
}

std::optional<lwm2m::Operation> operation_named(std::string_view name) {
  for (int k = 0; k <= static_cast<int>(lwm2m::Operation::CancelObservation); ++k) {
    const auto op = static_cast<lwm2m::Operation>(k);
    if (lwm2m::to_string(op) == name) return op;
  }
  return std::nullopt;
}

// A peer address as 23 bytes: the IP (16, IPv4 in the first 4), the port (big-endian), the
// family and the IPv6 scope (big-endian). Binary, not text: the writer formats nothing.
using PeerBytes = std::array<std::uint8_t, 23>;
PeerBytes peer_bytes(const coap::PeerAddress& peer) {
  PeerBytes b{};
  std::copy(peer.ip.begin(), peer.ip.end(), b.begin());
  b[16] = static_cast<std::uint8_t>(peer.port >> 8);
  b[17] = static_cast<std::uint8_t>(peer.port);
  b[18] = peer.v6 ? 6 : 4;
  for (std::size_t i = 0; i < 4; ++i)
    b[19 + i] = static_cast<std::uint8_t>(peer.scope_id >> (24 - 8 * i));
  return b;
}
std::optional<coap::PeerAddress> peer_of(std::span<const std::uint8_t> b) {
  if (b.size() != PeerBytes{}.size() || (b[18] != 4 && b[18] != 6)) return std::nullopt;
  coap::PeerAddress peer;
  std::copy(b.begin(), b.begin() + 16, peer.ip.begin());
  peer.port = static_cast<std::uint16_t>(b[16] << 8 | b[17]);
  peer.v6 = b[18] == 6;
  for (std::size_t i = 0; i < 4; ++i) peer.scope_id = peer.scope_id << 8 | b[19 + i];
  return peer;
}

std::vector<std::uint8_t> wire(const coap::Message& m) {
  std::vector<std::uint8_t> out;
  coap::serialize(m, out);
  return out;
}

}  // namespace

struct ServerStateStore::Impl {
  Impl(std::shared_ptr<DataDir> d, sqlite::Database database, ServerStateStoreConfig c)
      : dir(std::move(d)), db(std::move(database)), config(std::move(c)) {
    if (!config.clocks) config.clocks = system_clocks;
  }

  std::shared_ptr<DataDir> dir;  // held: the folder stays locked while the store is open
  sqlite::Database db;
  ServerStateStoreConfig config;

  // Writer-only: prepared statements and the ids of object lists already written.
  enum Stmt : std::size_t {
    Put,
    Renew,
    Remove,
    ListAdd,
    ListId,
    ObservationPut,
    ObservationRemove,
    QueuedPut,
    QueuedRemove,
    MetaPut,
  };
  std::vector<sqlite::Statement> statements;
  sqlite::Statement& st(Stmt which) { return statements[which]; }
  std::unordered_map<std::shared_ptr<const lwm2m::RegistrationPayload>, std::int64_t> list_ids;
  // After prepare(): commits the batches on its own thread, with the members above (declared
  // last, so that it stops before they go).
  std::unique_ptr<WriteBehind<Change>> writer;

  std::optional<Error> prepare() {
    // In the order of Stmt.
    constexpr std::string_view sql[] = {
        "INSERT OR REPLACE INTO registrations VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        "UPDATE registrations SET updated_at=?2, peer=?3 WHERE location=?1",
        "DELETE FROM registrations WHERE location=?1",
        "INSERT OR IGNORE INTO object_lists (text) VALUES (?1)",
        "SELECT id FROM object_lists WHERE text=?1",
        "INSERT OR REPLACE INTO observations VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        "DELETE FROM observations WHERE id=?1",
        "INSERT OR REPLACE INTO queued VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        "DELETE FROM queued WHERE id=?1",
        "INSERT OR REPLACE INTO meta VALUES (?1,?2)",
    };
    for (const std::string_view text : sql) {
      auto statement = db.prepare(text);
      if (!statement) return statement.error();
      statements.push_back(std::move(statement).value());
    }
    return std::nullopt;
  }

  // ---- Writing (the writer thread)

  std::optional<std::int64_t> object_list_id(
      const std::shared_ptr<const lwm2m::RegistrationPayload>& list) {
    if (const auto it = list_ids.find(list); it != list_ids.end()) return it->second;
    std::string text;
    (void)lwm2m::serialize_link_format(lwm2m::registration_links(*list), text);
    st(ListAdd).bind(1, std::string_view(text));
    if (!st(ListAdd).run()) return std::nullopt;
    st(ListId).bind(1, std::string_view(text));
    std::optional<std::int64_t> id;
    if (st(ListId).step() == SQLITE_ROW) id = st(ListId).integer(0);
    st(ListId).reset();
    // Lists no registration holds any more are forgotten here (the rows go at the next load).
    if (list_ids.size() >= 1024)
      std::erase_if(list_ids, [](const auto& e) { return e.first.use_count() == 1; });
    if (id) list_ids.emplace(list, *id);
    return id;
  }

  // The columns observations and queued requests share, 1 to 6.
  static void bind_operation(sqlite::Statement& s, const PersistedOperation& op) {
    s.bind(1, static_cast<std::int64_t>(op.id.value));
    s.bind(2, std::string_view(op.endpoint));
    s.bind(3, std::string_view(op.location));
    s.bind(4, lwm2m::to_string(op.kind));
    s.bind(5, std::string_view(op.path.to_string()));
    if (op.accept)
      s.bind(6, static_cast<std::int64_t>(*op.accept));
    else
      s.bind_null(6);
  }

  // One change; false when SQLite refused it.
  bool write(const Change& change, coap::TimePoint steady_now, double wall_now) {
    const auto wall = [&](coap::TimePoint t) {
      return wall_now - std::chrono::duration<double>(steady_now - t).count();
    };
    return std::visit(
        [&](const auto& c) -> bool {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, Registration>) {
            const auto list = object_list_id(c.objects);
            if (!list) return false;
            auto& s = st(Put);
            s.bind(1, std::string_view(c.location));
            s.bind(2, std::string_view(c.endpoint));
            const PeerBytes peer = peer_bytes(c.peer);
            s.bind(3, std::span<const std::uint8_t>(peer));
            s.bind(4, c.identity);
            s.bind(5, lwm2m::to_string(c.version));
            s.bind(6, static_cast<std::int64_t>(c.lifetime));
            s.bind(7, std::string_view(c.binding));
            s.bind(8, std::int64_t{c.queue_mode});
            s.bind(9, c.sms);
            s.bind(10, *list);
            s.bind(11, wall(c.registered_at));
            s.bind(12, wall(c.updated_at));
            return s.run();
          } else if constexpr (std::is_same_v<T, Renewal>) {
            auto& s = st(Renew);
            s.bind(1, std::string_view(c.location));
            s.bind(2, wall(c.updated_at));
            const PeerBytes peer = peer_bytes(c.peer);
            s.bind(3, std::span<const std::uint8_t>(peer));
            return s.run();
          } else if constexpr (std::is_same_v<T, RegistrationRemoval>) {
            st(Remove).bind(1, std::string_view(c.location));
            return st(Remove).run();
          } else if constexpr (std::is_same_v<T, PersistedObservation>) {
            auto& s = st(ObservationPut);
            bind_operation(s, c.operation);
            const PeerBytes peer = peer_bytes(c.peer);
            s.bind(7, std::span<const std::uint8_t>(peer));
            s.bind(8, std::span<const std::uint8_t>(wire(c.operation.request)));
            return s.run();
          } else if constexpr (std::is_same_v<T, ObservationRemoval>) {
            st(ObservationRemove).bind(1, static_cast<std::int64_t>(c.id.value));
            return st(ObservationRemove).run();
          } else if constexpr (std::is_same_v<T, PersistedRequest>) {
            auto& s = st(QueuedPut);
            bind_operation(s, c.operation);
            s.bind(7,
                   static_cast<std::int64_t>(
                       std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout).count()));
            s.bind(8, wall(c.deadline));
            s.bind(9, std::span<const std::uint8_t>(wire(c.operation.request)));
            return s.run();
          } else if constexpr (std::is_same_v<T, RequestRemoval>) {
            st(QueuedRemove).bind(1, static_cast<std::int64_t>(c.id.value));
            return st(QueuedRemove).run();
          } else {
            st(MetaPut).bind(1, std::string_view("next_operation_id"));
            st(MetaPut).bind(2, static_cast<std::int64_t>(c.next));
            return st(MetaPut).run();
          }
        },
        change);
  }

  // The batch in one transaction; the error when it failed (nothing of it is then written).
  std::optional<Error> commit(std::span<const Change> batch) {
    const auto [steady_now, wall_now] = config.clocks();
    sqlite::Transaction tx(db);
    if (auto e = tx.begin()) return e;
    for (const Change& change : batch)
      if (!write(change, steady_now, wall_now)) return db.error("cannot write");
    return tx.commit();
  }

  void tell(Change change) { writer->tell(std::move(change)); }
};

ServerStateStore::ServerStateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::string server_state_file(unsigned shard) {
  return "server-" + std::to_string(shard) + ".db";
}

Result<std::unique_ptr<ServerStateStore>> ServerStateStore::open(std::shared_ptr<DataDir> dir,
                                                                 unsigned shard, unsigned shards,
                                                                 ServerStateStoreConfig config) {
  // A database of a shard beyond `shards` holds registrations no shard would serve.
  for (unsigned other = shards; other < 26; ++other) {
    const auto file = dir->file(server_state_file(other));
    if (std::filesystem::exists(file))
      return Error{file.string() + " was written by a server with more than " +
                   std::to_string(shards) + " shards: start with as many shards as before"};
  }
  auto db = sqlite::Database::open(dir->file(server_state_file(shard)));
  if (!db) return db.error();
  if (auto e = sqlite::migrate(db.value(), kSchema)) return *e;
  auto impl = std::make_unique<Impl>(std::move(dir), std::move(db).value(), std::move(config));
  // The number of shards is part of every location: a database is for that many shards only.
  {
    auto get = impl->db.prepare("SELECT value FROM meta WHERE key='shards'");
    if (!get) return get.error();
    auto& s = get.value();
    if (s.step() == SQLITE_ROW) {
      if (s.integer(0) != shards)
        return Error{impl->db.file().string() + " was written by a server with " +
                     std::to_string(s.integer(0)) + " shards: start with --shards " +
                     std::to_string(s.integer(0)) + " (the locations its clients use name them)"};
    } else if (auto e = impl->db.exec("INSERT INTO meta VALUES ('shards', " +
                                      std::to_string(shards) + ")")) {
      return *e;
    }
  }
  if (auto e = impl->prepare()) return *e;
  impl->writer = std::make_unique<WriteBehind<Change>>(
      impl->config.writing, impl->db.file().string(),
      [d = impl.get()](std::span<const Change> batch) { return d->commit(batch); });
  return std::unique_ptr<ServerStateStore>(new ServerStateStore(std::move(impl)));
}

ServerStateStore::~ServerStateStore() {
  impl_->writer->stop();
}

Result<server::ServerState> ServerStateStore::load(coap::TimePoint steady_now, double wall_now) {
  Impl& d = *impl_;
  sqlite::Database& db = d.db;
  const auto steady = [&](double wall) {
    return steady_now - std::chrono::duration_cast<coap::Duration>(
                            std::chrono::duration<double>(wall_now - wall));
  };
  const auto damaged = [&](std::string what) {
    return Error{db.file().string() + ": " + what +
                 " (the file is damaged: move it away to start afresh, or restore it)"};
  };
  server::ServerState state;
  if (auto e = db.exec("DELETE FROM object_lists WHERE id NOT IN "
                       "(SELECT objects FROM registrations)"))
    return *e;

  // Object lists, parsed once each and shared by the registrations that announced them.
  std::unordered_map<std::int64_t, std::shared_ptr<const lwm2m::RegistrationPayload>> lists;
  {
    auto q = db.prepare("SELECT id, text FROM object_lists");
    if (!q) return q.error();
    auto& s = q.value();
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      std::vector<lwm2m::Link> links;
      auto payload = std::make_shared<lwm2m::RegistrationPayload>();
      if (lwm2m::parse_link_format(s.text(1), links) ||
          lwm2m::parse_registration_links(links, *payload))
        return damaged("unreadable object list " + std::to_string(s.integer(0)));
      lists.emplace(s.integer(0), std::move(payload));
    }
    if (rc != SQLITE_DONE) return db.error("cannot read object lists");
  }
  {
    auto q = db.prepare(
        "SELECT location, endpoint, peer, identity, version, lifetime, binding, queue_mode, sms,"
        " objects, registered_at, updated_at FROM registrations");
    if (!q) return q.error();
    auto& s = q.value();
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      Registration r;
      r.location = s.text(0);
      r.endpoint = s.text(1);
      const auto peer = peer_of(s.blob(2));
      const auto version = lwm2m::lwm2m_version_from_string(s.text(4));
      const auto list = lists.find(s.integer(9));
      if (!peer || !version || list == lists.end() || s.integer(5) <= 0)
        return damaged("unreadable registration of " + r.endpoint);
      r.peer = *peer;
      if (!s.is_null(3)) r.identity = std::string(s.text(3));
      r.version = *version;
      r.lifetime = static_cast<std::uint32_t>(s.integer(5));
      r.binding = s.text(6);
      r.queue_mode = s.integer(7) != 0;
      if (!s.is_null(8)) r.sms = std::string(s.text(8));
      r.objects = list->second;
      r.registered_at = steady(s.real(10));
      r.updated_at = std::min(steady(s.real(11)) + d.config.renewal_resolution, steady_now);
      r.expires_at = r.updated_at + std::chrono::seconds(r.lifetime);
      state.registrations.push_back(std::move(r));
      d.list_ids.emplace(list->second, list->first);
    }
    if (rc != SQLITE_DONE) return db.error("cannot read registrations");
  }
  // The columns observations and queued requests share: id, endpoint, location, kind, path,
  // accept, and the request at `request_column`.
  const auto read_operation = [&](sqlite::Statement& s, int request_column,
                                  PersistedOperation& op) -> bool {
    op.id = OperationId{static_cast<std::uint64_t>(s.integer(0))};
    op.endpoint = s.text(1);
    op.location = s.text(2);
    const auto kind = operation_named(s.text(3));
    const auto path = lwm2m::Path::parse(s.text(4));
    if (!kind || !path || coap::parse(s.blob(request_column), op.request)) return false;
    op.kind = *kind;
    op.path = *path;
    if (!s.is_null(5)) op.accept = static_cast<lwm2m::ContentFormat>(s.integer(5));
    return true;
  };
  {
    auto q = db.prepare(
        "SELECT id, endpoint, location, kind, path, accept, peer, request"
        " FROM observations");
    if (!q) return q.error();
    auto& s = q.value();
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      PersistedObservation o;
      const auto peer = peer_of(s.blob(6));
      if (!peer || !read_operation(s, 7, o.operation))
        return damaged("unreadable observation " + std::to_string(s.integer(0)));
      o.peer = *peer;
      state.observations.push_back(std::move(o));
    }
    if (rc != SQLITE_DONE) return db.error("cannot read observations");
  }
  {
    auto q = db.prepare(
        "SELECT id, endpoint, location, kind, path, accept, timeout_ms, deadline,"
        " request FROM queued");
    if (!q) return q.error();
    auto& s = q.value();
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      PersistedRequest r;
      if (!read_operation(s, 8, r.operation))
        return damaged("unreadable queued request " + std::to_string(s.integer(0)));
      r.timeout = std::chrono::milliseconds(s.integer(6));
      r.deadline = steady(s.real(7));
      state.queued.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return db.error("cannot read queued requests");
  }
  {
    auto q = db.prepare("SELECT value FROM meta WHERE key='next_operation_id'");
    if (!q) return q.error();
    if (q.value().step() == SQLITE_ROW)
      state.next_operation_id = static_cast<std::uint64_t>(q.value().integer(0));
  }
  return state;
}

void ServerStateStore::start() {
  impl_->writer->start();
}

std::optional<Error> ServerStateStore::flush() {
  return impl_->writer->flush();
}

StoreStats ServerStateStore::stats() const {
  return impl_->writer->stats();
}

const std::filesystem::path& ServerStateStore::file() const {
  return impl_->db.file();
}

void ServerStateStore::registration_added(const Registration& registration) {
  impl_->tell(registration);
}

void ServerStateStore::registration_updated(const Registration& registration,
                                            server::UpdateChange change,
                                            coap::TimePoint previous_update) {
  if (change == server::UpdateChange::Restated) return impl_->tell(registration);
  const coap::Duration q = impl_->config.renewal_resolution;
  // The last written renewal is the first of its interval: the loaded time rounds up to its end.
  if (change == server::UpdateChange::None && q.count() > 0 &&
      previous_update.time_since_epoch() / q == registration.updated_at.time_since_epoch() / q)
    return;
  impl_->tell(Renewal{registration.location, registration.updated_at, registration.peer});
}

void ServerStateStore::registration_removed(const Registration& registration) {
  impl_->tell(RegistrationRemoval{registration.location});
}

void ServerStateStore::observation_added(const PersistedObservation& observation) {
  impl_->tell(observation);
}

void ServerStateStore::observation_removed(OperationId id) {
  impl_->tell(ObservationRemoval{id});
}

void ServerStateStore::request_queued(const PersistedRequest& request) {
  impl_->tell(request);
}

void ServerStateStore::request_dequeued(OperationId id) {
  impl_->tell(RequestRemoval{id});
}

void ServerStateStore::operation_ids_reserved(std::uint64_t next) {
  impl_->tell(IdsReserved{next});
}

}  // namespace drover::store
