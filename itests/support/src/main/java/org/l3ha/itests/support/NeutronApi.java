package org.l3ha.itests.support;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A small client of neutron-server's REST API (v2.0) for what a drill builds: networks, subnets, an
 * HA router with a gateway and its interfaces, and where the router is scheduled with which HA
 * state. No authentication: {@link NeutronServer}'s peer runs with {@code auth_strategy = noauth},
 * where every request is an admin's. A failed request throws an {@link IOException} naming the
 * request and the server's reply.
 */
public final class NeutronApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Creating an HA router takes seconds on a loaded machine; far more is a hang. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(3);

    private final URI base;
    private final Supplier<String> diagnostics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    /** @param base {@code http://127.0.0.1:<port>} */
    public NeutronApi(URI base) {
        this(base, () -> "");
    }

    /** @param diagnostics appended to a failure's message (the server's log, for example) */
    public NeutronApi(URI base, Supplier<String> diagnostics) {
        this.base = base;
        this.diagnostics = diagnostics;
    }

    /** A reply other than 2xx. */
    public static final class RequestFailed extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String body;

        RequestFailed(String request, int status, String body, String diagnostics) {
            super(request + " -> " + status + " " + body + (diagnostics.isBlank() ? "" : "\n" + diagnostics));
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public String body() {
            return body;
        }
    }

    // ---- networks and subnets

    /** @return the new tenant network (vxlan, as {@code tenant_network_types} says) */
    public JsonNode createNetwork(String name) throws IOException {
        return post("/v2.0/networks", Map.of("network", Map.of("name", name))).get("network");
    }

    /** @return a new external network: flat on physical network {@code physnet} ({@code public} in the peer) */
    public JsonNode createExternalNetwork(String name, String physnet) throws IOException {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("name", name);
        n.put("router:external", true);
        n.put("provider:network_type", "flat");
        n.put("provider:physical_network", physnet);
        return post("/v2.0/networks", Map.of("network", n)).get("network");
    }

    /**
     * @return the id of a new external network {@code ext} on the peer's physical network
     *         {@code public}, with IPv4 subnet 203.0.113.0/24 (TEST-NET-3): what a router's gateway needs
     */
    public String createPublicNetwork() throws IOException {
        String id = createExternalNetwork("ext", "public").get("id").asText();
        createSubnet(id, "203.0.113.0/24");
        return id;
    }

    /** @return a new IPv4 subnet ({@code cidr} such as {@code 10.0.0.0/24}; gateway and DHCP as Neutron chooses) */
    public JsonNode createSubnet(String networkId, String cidr) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("network_id", networkId);
        s.put("ip_version", 4);
        s.put("cidr", cidr);
        return post("/v2.0/subnets", Map.of("subnet", s)).get("subnet");
    }

    /** @return a new IPv6 subnet whose router advertises it for SLAAC ({@code ipv6_ra_mode} and {@code ipv6_address_mode} slaac) */
    public JsonNode createSlaacSubnet(String networkId, String cidr) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("network_id", networkId);
        s.put("ip_version", 6);
        s.put("cidr", cidr);
        s.put("ipv6_ra_mode", "slaac");
        s.put("ipv6_address_mode", "slaac");
        return post("/v2.0/subnets", Map.of("subnet", s)).get("subnet");
    }

    public void deleteSubnet(String id) throws IOException {
        delete("/v2.0/subnets/" + id);
    }

    public void deleteNetwork(String id) throws IOException {
        delete("/v2.0/networks/" + id);
    }

    // ---- routers

    /**
     * @param externalNetworkId the gateway's network, or null for none
     * @return the new router, {@code ha: true}
     */
    public JsonNode createHaRouter(String name, String externalNetworkId) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", name);
        r.put("ha", true);
        if (externalNetworkId != null) {
            r.put("external_gateway_info", Map.of("network_id", externalNetworkId));
        }
        return post("/v2.0/routers", Map.of("router", r)).get("router");
    }

    /** @return Neutron's reply: {@code port_id}, {@code subnet_id}s, ... of the new router port */
    public JsonNode addRouterInterface(String routerId, String subnetId) throws IOException {
        return put("/v2.0/routers/" + routerId + "/add_router_interface", Map.of("subnet_id", subnetId));
    }

    public JsonNode removeRouterInterface(String routerId, String subnetId) throws IOException {
        return put("/v2.0/routers/" + routerId + "/remove_router_interface", Map.of("subnet_id", subnetId));
    }

    public JsonNode router(String id) throws IOException {
        return get("/v2.0/routers/" + id).get("router");
    }

    public void deleteRouter(String id) throws IOException {
        delete("/v2.0/routers/" + id);
    }

    /** @return the L3 agents hosting the router, each with {@code host}, {@code ha_state}, {@code alive}, ... */
    public List<JsonNode> routerL3Agents(String routerId) throws IOException {
        return list(get("/v2.0/routers/" + routerId + "/l3-agents").get("agents"));
    }

    /** @return host → {@code ha_state} (active, standby, unknown) of the agents hosting the router */
    public Map<String, String> haStates(String routerId) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (JsonNode a : routerL3Agents(routerId)) {
            m.put(a.path("host").asText(), a.path("ha_state").asText(null));
        }
        return m;
    }

    /** @return every agent neutron-server knows ({@code host}, {@code agent_type}, {@code alive}, ...) */
    public List<JsonNode> agents() throws IOException {
        return list(get("/v2.0/agents").get("agents"));
    }

    /** @return the ports whose {@code device_id} is {@code deviceId} (a router's: gateway, interfaces, HA ports) */
    public List<JsonNode> ports(String deviceId) throws IOException {
        return list(get("/v2.0/ports?device_id=" + deviceId).get("ports"));
    }

    // ---- requests

    public JsonNode get(String path) throws IOException {
        return send("GET", path, null);
    }

    public JsonNode post(String path, Object body) throws IOException {
        return send("POST", path, body);
    }

    public JsonNode put(String path, Object body) throws IOException {
        return send("PUT", path, body);
    }

    public void delete(String path) throws IOException {
        send("DELETE", path, null);
    }

    private JsonNode send(String method, String path, Object body) throws IOException {
        String json = body == null ? null : JSON.writeValueAsString(body);
        String request = method + " " + path + (json == null ? "" : " " + json);
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
        if (json == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: " + request);
        } catch (IOException e) {
            throw new IOException(request + " failed: " + e, e);
        }
        if (r.statusCode() / 100 != 2) {
            throw new RequestFailed(request, r.statusCode(), r.body(), diagnostics.get());
        }
        if (r.body() == null || r.body().isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IOException(request + " -> " + r.statusCode() + ", not JSON: " + r.body(), e);
        }
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        if (array != null) {
            array.forEach(out::add);
        }
        return out;
    }
}
