/** Database access for uploaded input tensors. */
import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service.js';

export interface NewTensor {
  sha256: string;
  format: string;
  dtype: string;
  shape: number[];
  sizeBytes: number;
  fileName: string;
}

@Injectable()
export class TensorsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(t: NewTensor) {
    return this.prisma.inputTensor.create({ data: t });
  }

  find(id: string) {
    return this.prisma.inputTensor.findUnique({ where: { id } });
  }

  findMany(ids: string[]) {
    return this.prisma.inputTensor.findMany({ where: { id: { in: ids } } });
  }

  createCalibrationSet(s: { inputName: string | null; tensorIds: string[]; dtype: string; shape: number[]; totalBytes: number }) {
    return this.prisma.calibrationSet.create({ data: s });
  }

  findCalibrationSet(id: string) {
    return this.prisma.calibrationSet.findUnique({ where: { id } });
  }
}
