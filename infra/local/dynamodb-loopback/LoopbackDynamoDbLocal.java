import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs DynamoDB Local (the official jar, unchanged) the way its own ServerRunner does, with two differences the jar
 * has no option for (issue 12, finding 15):
 *
 * <ul>
 *   <li>its Jetty connector listens on 127.0.0.1 only (the jar's ServerRunner binds every interface);
 *   <li>a request whose Host header is not 127.0.0.1:PORT or localhost:PORT (DNS rebinding), or that carries an
 *       Origin header (a web page: the jar answers CORS for any origin), is refused with 421 or 403 before the jar
 *       sees it. The SDK and the AWS CLI send neither.
 * </ul>
 *
 * Arguments are the jar's own (-port, -dbPath, -sharedDb, ...). Run with the jar and its libraries on the class
 * path: java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* LoopbackDynamoDbLocal.java -port 8000 ...
 */
public final class LoopbackDynamoDbLocal {
  private static final String HOST = "127.0.0.1";

  public static void main(String[] args) throws Exception {
    int port = portOf(args);
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);

    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) {
        throw new IllegalStateException("Unexpected connector " + connector.getClass().getName());
      }
      ((ServerConnector) connector).setHost(HOST);
    }

    Set<String> allowedHosts = Set.of(HOST + ":" + port, "localhost:" + port);
    server.setHandler(new Handler.Wrapper(server.getHandler()) {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String host = request.getHeaders().get("Host");
        if (host == null || !allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
          return refuse(response, callback, 421, "Unknown host");
        }
        if (request.getHeaders().get("Origin") != null) {
          return refuse(response, callback, 403, "Browser requests are not accepted");
        }
        return super.handle(request, response, callback);
      }
    });

    proxy.start();
    proxy.join();
  }

  private static boolean refuse(Response response, Callback callback, int status, String message) {
    response.setStatus(status);
    response.getHeaders().put("Content-Type", "application/json");
    byte[] body = ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  private static int portOf(String[] args) {
    for (int index = 0; index + 1 < args.length; index++) {
      if (args[index].equals("-port")) return Integer.parseInt(args[index + 1]);
    }
    return 8000;
  }
}
