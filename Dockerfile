# One image for the farm's API, its worker and its agents (docker-compose.yml runs them all from it).
# Debian bookworm, like the machines the project is developed and tested on.
FROM node:20-bookworm

# OpenCV DNN for the native runner, nlohmann-json for the int8 runtime; cmake to build both (the base image has g++ and make).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libopencv-dnn-dev nlohmann-json3-dev cmake pkg-config \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Everything at once: npm ci needs every workspace's package.json, and .npmrc keeps
# onnxruntime-node from downloading CUDA parts.
COPY . .

# Dev dependencies stay installed: the TypeScript build needs them, and the migrations run at
# start-up use @prisma/schema-engine-wasm. The client is generated here, never committed; generate
# only reads the schema, so the schema engine binary it would download is not needed.
# npm run build generates the Prisma client and builds TypeScript, the OpenCV runner and the int8 runtime.
RUN npm install --no-audit --no-fund \
 && npm run build

# Uploaded model files and agent state live under /data (volumes in docker-compose.yml).
RUN mkdir -p /data/artifacts /data/agent && chown -R node:node /data
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ARTIFACT_DIR=/data/artifacts \
    AGENT_DATA_DIR=/data/agent \
    OPENCV_RUNNER=/app/device-agents/opencv-runner/build/opencv_runner \
    INT8_RUNNER=/app/device-agents/native/build/x86_64/int8-runner
USER node
EXPOSE 3000

# Migrations first (idempotent), then the API; exec so the API gets SIGTERM from `docker stop`.
CMD ["sh", "-c", "node scripts/db/migrate.mjs && exec node apps/api/dist/main.js"]
