// Compile-only stubs of android.net (signatures as in the SDK reference).
@file:Suppress("unused", "UNUSED_PARAMETER")

package android.net

class Network private constructor()

class ConnectivityManager private constructor() {
    open class NetworkCallback {
        open fun onAvailable(network: Network) {}
        open fun onLost(network: Network) {}
    }
    fun registerDefaultNetworkCallback(networkCallback: NetworkCallback) {   // API 24
        throw UnsupportedOperationException("stub")
    }
    fun unregisterNetworkCallback(networkCallback: NetworkCallback) {
        throw UnsupportedOperationException("stub")
    }
}
