-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "DeviceStatus" ADD VALUE 'cooling';
ALTER TYPE "DeviceStatus" ADD VALUE 'unauthorized';

-- AlterTable
ALTER TABLE "devices" ADD COLUMN     "core_max_freq_mhz" JSONB,
ADD COLUMN     "emulated" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "last_snapshot" JSONB,
ADD COLUMN     "last_snapshot_at" TIMESTAMP(3),
ALTER COLUMN "cpu_model" DROP NOT NULL,
ALTER COLUMN "cores" DROP NOT NULL,
ALTER COLUMN "ram_bytes" DROP NOT NULL,
ALTER COLUMN "os_version" DROP NOT NULL,
ALTER COLUMN "abi" DROP NOT NULL;
