// The document tables of the layers above the cores: what is put comes back after a restart, in
// key order, each kind apart; erased documents do not.
#include <gtest/gtest.h>

#include "drover/store/document_store.hpp"
#include "support/temp_dir.hpp"

namespace drover::store {
namespace {

using drover::testing::TempDir;
using Documents = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<DocumentStore> open(const TempDir& dir) {
  auto data = DataDir::open(dir.path());
  EXPECT_TRUE(data.has_value());
  auto store = DocumentStore::open(data.value());
  EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
  return std::move(store).value();
}

TEST(DocumentStore, DocumentsComeBackByKindInKeyOrder) {
  TempDir dir("document_store");
  {
    auto store = open(dir);
    auto security = store->table("security");
    auto bootstrap = store->table("bootstrap");
    EXPECT_TRUE(security->load().empty());
    store->start();
    security->put("dev-2", R"({"psk":"b"})");
    security->put("dev-1", R"({"psk":"a"})");
    security->put("dev-3", R"({"psk":"c"})");
    security->put("dev-1", R"({"psk":"a2"})");
    security->erase("dev-3");
    bootstrap->put("*", R"({"servers":[]})");
    EXPECT_FALSE(store->flush().has_value());
    EXPECT_EQ(store->stats().committed, 6u);
  }
  auto store = open(dir);
  EXPECT_EQ(store->table("security")->load(),
            (Documents{{"dev-1", R"({"psk":"a2"})"}, {"dev-2", R"({"psk":"b"})"}}));
  EXPECT_EQ(store->table("bootstrap")->load(), (Documents{{"*", R"({"servers":[]})"}}));
  EXPECT_TRUE(store->table("firmware")->load().empty());
}

TEST(DocumentStore, ChangesToldBeforeStartAreWrittenAtClose) {
  TempDir dir("document_store_unstarted");
  open(dir)->table("campaigns")->put("c1", "{}");
  EXPECT_EQ(open(dir)->table("campaigns")->load(), (Documents{{"c1", "{}"}}));
}

}  // namespace
}  // namespace drover::store
