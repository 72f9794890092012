// SenML CBOR (112) decoder: never crashes on any input, and whatever it accepts re-encodes to a
// payload that decodes to the same records.
#include "format_roundtrip.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace drover::lwm2m;
  return fuzzing::roundtrip(data, size, detail::decode_senml_cbor, detail::encode_senml_cbor,
                            /*order_kept=*/true);
}
