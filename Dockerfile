# The gateway (and model-server) image used by docker-compose.gpu.yml.
FROM node:20-bookworm-slim
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY . .
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --ignore-scripts
EXPOSE 8080
CMD ["node", "services/gateway/bin/gateway.js"]
