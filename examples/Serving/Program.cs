// Keras.Net serving example: loads a Keras model at start and serves it over HTTP on 127.0.0.1.
//   dotnet run --project examples/Serving -- --model path/to/model.keras [--port 5080]
// Without --model it trains a small demo model first. See README.md.
using Keras.Examples.Serving;

var app = ServingApp.Build(args);
app.Run();
