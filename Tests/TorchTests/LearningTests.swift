import Testing

@testable import Torch

/// Small networks learn toy tasks end to end: forward, loss, backward, optimiser.
@Suite struct LearningTests {
    @Test func mlpLearnsTwoSpirals() throws {
        let g = try Generator(seed: 0)
        // Points inside vs outside the unit circle: not linearly separable.
        let x = try Tensor.rand([256, 2], generator: g) * 4.0 - 2.0
        let labels = try x.square().sum(dim: 1).lt(1.5).to(.int64)
        let l1 = try Linear(2, 32, generator: g)
        let l2 = try Linear(32, 32, generator: g)
        let l3 = try Linear(32, 2, generator: g)
        let params = l1.parameters() + l2.parameters() + l3.parameters()
        let optimizer = SGD(params, lr: 0.1, momentum: 0.9)
        var loss = 0.0
        for _ in 0..<300 {
            let logits = try l3(l2(l1(x).relu()).relu())
            let l = try Functional.crossEntropy(logits, labels)
            try optimizer.zeroGrad()
            try l.backward()
            try optimizer.step()
            loss = try l.item()
        }
        let accuracy = try l3(l2(l1(x).relu()).relu()).argmax(dim: 1).eq(labels).to(.float32).mean().item()
        #expect(loss < 0.15)
        #expect(accuracy > 0.95)
    }

    @Test func convNetTellsHorizontalFromVerticalBars() throws {
        let g = try Generator(seed: 1)
        var images: [Float] = []
        var labels: [Int64] = []
        for i in 0..<64 {
            var img = [Float](repeating: 0, count: 12 * 12)
            let vertical = i % 2 == 0
            let pos = 2 + (i / 2) % 8
            for t in 0..<12 { img[vertical ? t * 12 + pos : pos * 12 + t] = 1 }
            images += img
            labels.append(vertical ? 1 : 0)
        }
        let x = try Tensor(images, shape: [64, 1, 12, 12]) + Tensor.randn([64, 1, 12, 12], generator: g) * 0.1
        let y = try Tensor(labels)
        let conv1 = try Conv2d(1, 8, kernelSize: 3, padding: 1, generator: g)
        let bn = try BatchNorm2d(8)
        let conv2 = try Conv2d(8, 8, kernelSize: 3, stride: 2, padding: 1, generator: g)
        let fc = try Linear(8, 2, generator: g)
        let params = conv1.parameters() + bn.parameters() + conv2.parameters() + fc.parameters()
        let optimizer = AdamW(params, lr: 0.01, weightDecay: 0)
        func forward() throws -> Tensor {
            let h = try conv2(bn(conv1(x)).relu()).relu()
            return try fc(Functional.adaptiveAvgPool2d(h, outputSize: (1, 1)).flatten(startDim: 1))
        }
        for _ in 0..<60 {
            let loss = try Functional.crossEntropy(forward(), y)
            try optimizer.zeroGrad()
            try loss.backward()
            try optimizer.step()
        }
        bn.eval()
        let accuracy = try forward().argmax(dim: 1).eq(y).to(.float32).mean().item()
        #expect(accuracy == 1)
    }
}
