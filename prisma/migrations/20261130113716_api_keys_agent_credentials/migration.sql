-- API keys, and per-agent credentials in place of the shared agent token. Agents registered
-- before this migration have no credential: each enrolls again with AGENT_BOOTSTRAP_TOKEN on its
-- next start (a new agent with new device rows, while the old ones go offline by heartbeat timeout).

-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('read', 'write', 'admin');

-- DropForeignKey
ALTER TABLE "agents" DROP CONSTRAINT "agents_token_id_fkey";

-- DropIndex
DROP INDEX "agents_token_id_name_key";

-- AlterTable
ALTER TABLE "agents" DROP COLUMN "token_id";

-- DropTable
DROP TABLE "agent_tokens";

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "key_hash" CHAR(64) NOT NULL,
    "scopes" "ApiKeyScope"[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_credentials" (
    "id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "agent_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");

-- CreateIndex
CREATE UNIQUE INDEX "agent_credentials_token_hash_key" ON "agent_credentials"("token_hash");

-- CreateIndex
CREATE INDEX "agent_credentials_agent_id_idx" ON "agent_credentials"("agent_id");

-- AddForeignKey
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
