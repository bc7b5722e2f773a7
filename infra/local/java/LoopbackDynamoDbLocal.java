// DynamoDB Local bound to one address: its own launcher binds every interface and has no option to choose (X2, local
// stack). Builds the server from the usual command line, points its Jetty connector at the address in the first
// argument, then starts it. Run in Java's source-file mode (no build step):
//   java -cp DynamoDBLocal.jar LoopbackDynamoDbLocal.java 127.0.0.1 -inMemory -port 4002 -disableTelemetry
// Reflection only, so it compiles without the jar; it names the jar's own classes as of DynamoDB Local 1.25.
import java.lang.reflect.Field;
import java.util.Arrays;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    String[] options = Arrays.copyOfRange(args, 1, args.length);
    Class<?> runner = Class.forName("com.amazonaws.services.dynamodbv2.local.main.ServerRunner");
    Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) options);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object jetty = field.get(proxy);
    Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Object connector : connectors) connector.getClass().getMethod("setHost", String.class).invoke(connector, host);
    try {
      proxy.getClass().getMethod("start").invoke(proxy);
    } catch (java.lang.reflect.InvocationTargetException failed) {
      // Jetty's threads would keep the JVM alive after a failed start (its port taken, say): say why and end.
      Throwable cause = failed.getCause();
      while (cause.getCause() != null) cause = cause.getCause();
      System.err.println("DynamoDB Local could not start on " + host + ": " + cause);
      System.exit(1);
    }
  }
}
