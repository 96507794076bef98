#pragma once
// The ABI version changes whenever any type that crosses the plugin boundary changes layout or
// meaning (everything under mosaic/, and the Boost.JSON version pinned below). The loader refuses
// a plugin built against another ABI version before it calls any of its code.
#include <boost/version.hpp>

#define MOSAIC_ABI_VERSION \
  4u  // 2: CallContext::should_offload and offload; 3: HttpClientOptions::tls,
      // FailureKind::kTlsVerifyFailed and kTlsHandshakeFailed; 4: CallResult may hold JsonText,
      // Downstream::stops_at_deadline
#define MOSAIC_SDK_VERSION "0.1.0"

// Values cross the boundary as boost::json; a plugin built against another Boost would disagree
// on their layout, so the Boost version is part of the descriptor.
#define MOSAIC_BOOST_VERSION BOOST_VERSION
